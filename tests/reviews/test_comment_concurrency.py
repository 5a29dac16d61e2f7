"""Comments and decisions at the same moment, from real threads on PostgreSQL."""

import threading
import time

import pytest
from django.db import connections, transaction

from reviews import comments, workflow
from reviews.models import ReviewComment, State
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def under_review(editor, board_member, audiences):
    article = factories.ArticleFactory(created_by=editor, body="Take 800 IU every day.\n")
    review_round = workflow.submit(article, by=editor)
    return workflow.start_review(review_round, by=board_member)


def test_an_approval_waits_for_a_required_change_being_reopened_and_is_refused(
    under_review, board_member, second_board_member
):
    required = comments.add(
        under_review, by=second_board_member, quote="800 IU", text="Cite it.", kind="required"
    )
    comments.resolve(required, by=second_board_member)
    reopened, release, outcome = threading.Event(), threading.Event(), {}

    def reopen_and_hold():
        try:
            with transaction.atomic():
                comments.reopen(required, by=second_board_member)
                reopened.set()
                release.wait(timeout=30)  # hold the transaction open a while
        finally:
            connections.close_all()

    def approve():
        try:
            outcome["result"] = workflow.approve(under_review, by=board_member)
        except workflow.ReviewError as error:
            outcome["result"] = error
        finally:
            outcome["finished"] = time.monotonic()
            connections.close_all()

    holder = threading.Thread(target=reopen_and_hold)
    holder.start()
    assert reopened.wait(timeout=30)
    approver = threading.Thread(target=approve)
    approver.start()
    time.sleep(1.0)
    # Without the lock on the round the approval would read the comment as still resolved
    # and be done by now.
    assert "finished" not in outcome
    released = time.monotonic()
    release.set()
    holder.join(timeout=30)
    approver.join(timeout=30)
    assert outcome["finished"] >= released
    assert isinstance(outcome["result"], workflow.OpenRequiredChanges)
    under_review.refresh_from_db()
    assert under_review.state == State.UNDER_REVIEW
    assert ReviewComment.objects.get(pk=required.pk).state == ReviewComment.State.OPEN
