"""Simultaneous workflow calls from real threads on PostgreSQL, each with its own connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from reviews import workflow
from reviews.models import ReviewEvent, ReviewRound, State
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_at_once(count, call):
    """Run `call(i)` in `count` threads released together; return results or raised errors."""
    barrier = threading.Barrier(count)

    def worker(index):
        try:
            barrier.wait(timeout=30)
            return call(index)
        except Exception as error:  # collected and inspected by the test
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


@pytest.fixture
def under_review(editor, board_member, audiences):
    article = factories.ArticleFactory(created_by=editor)
    review_round = workflow.submit(article, by=editor)
    return workflow.start_review(review_round, by=board_member)


def test_fifty_simultaneous_approvals_give_one_approval_and_one_event(under_review):
    reviewers = [factories.BoardMemberFactory().user for _ in range(5)]
    results = run_at_once(
        50, lambda i: workflow.approve(under_review, by=reviewers[i % len(reviewers)])
    )

    approvals = [result for result in results if isinstance(result, ReviewRound)]
    refusals = [result for result in results if isinstance(result, workflow.InvalidTransition)]
    assert len(approvals) == 1
    assert len(refusals) == 49
    under_review.refresh_from_db()
    assert under_review.state == State.APPROVED
    assert ReviewEvent.objects.filter(round=under_review, action="approve").count() == 1


def test_simultaneous_submissions_leave_exactly_one_open_round(editor, audiences):
    article = factories.ArticleFactory(created_by=editor)
    results = run_at_once(10, lambda i: workflow.submit(article, by=editor, note=f"try {i}"))

    assert all(isinstance(result, ReviewRound) for result in results), results
    assert ReviewRound.objects.filter(article=article).open().count() == 1
    assert ReviewRound.objects.filter(article=article, state=State.SUPERSEDED).count() == 9
    numbers = sorted(ReviewRound.objects.filter(article=article).values_list("number", flat=True))
    assert numbers == list(range(1, 11))


def test_approve_racing_withdraw_ends_in_exactly_one_of_them(under_review, editor):
    reviewer = factories.BoardMemberFactory().user
    calls = [
        lambda: workflow.approve(under_review, by=reviewer),
        lambda: workflow.withdraw(under_review, by=editor),
    ]
    results = run_at_once(2, lambda i: calls[i]())

    assert sum(isinstance(result, ReviewRound) for result in results) == 1
    under_review.refresh_from_db()
    assert under_review.state in {State.APPROVED, State.WITHDRAWN}
    assert under_review.events.exclude(action__in=["submit", "start_review"]).count() == 1
