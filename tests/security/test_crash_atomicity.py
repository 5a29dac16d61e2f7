"""A crash in the middle of a workflow step leaves nothing half-written.

Each test lets the step get past its first writes (the revision, the round row, the state
change) and then makes the next write raise. Real transactions (transaction=True), so what is
checked is what PostgreSQL or SQLite kept after the rollback, not a test savepoint.
"""

import pytest
from reversion.models import Revision, Version

from reviews import workflow
from reviews.models import ReviewEvent, ReviewRound, State
from tests import factories

Action = ReviewEvent.Action

# serialized_rollback: a plain flush after another transactional test would leave no role groups.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Crash(Exception):
    pass


def crash(*args, **kwargs):
    raise Crash("the process died here")


def crash_on(create, action):
    """`create`, except that writing an event for `action` crashes."""

    def create_or_crash(**fields):
        if fields.get("action") == action:
            crash()
        return create(**fields)

    return create_or_crash


@pytest.fixture
def article(editor, audiences):
    factories.ReferenceFactory(key="guideline-2025")
    return factories.ArticleFactory(
        created_by=editor, slug="bones", body="Calcium matters [@guideline-2025].\n"
    )


def counts():
    return {
        "rounds": ReviewRound.objects.count(),
        "events": ReviewEvent.objects.count(),
        "revisions": Revision.objects.count(),
        "versions": Version.objects.count(),
    }


def snapshot_of_rounds():
    return list(ReviewRound.objects.order_by("pk").values_list("pk", "state", "decided_by_id"))


# Where submit dies: each is a step after some rows are already written in its transaction.
SUBMIT_CRASH_POINTS = {
    # after superseding the open round (its state change and event are written)
    "render_snapshot": lambda mp: mp.setattr(workflow, "render_snapshot", crash),
    # after the round row is written
    "index_round": lambda mp: mp.setattr(workflow, "index_round", crash),
    # after the round row and its search index are written, at the round's own event
    "event": lambda mp: mp.setattr(
        ReviewEvent.objects, "create", crash_on(ReviewEvent.objects.create, Action.SUBMIT)
    ),
}


@pytest.mark.parametrize("point", SUBMIT_CRASH_POINTS)
def test_a_crash_during_submit_leaves_no_round_event_or_revision(
    article, editor, monkeypatch, point
):
    first = workflow.submit(article, by=editor)  # an open round for the new one to supersede
    before, rounds_before = counts(), snapshot_of_rounds()
    SUBMIT_CRASH_POINTS[point](monkeypatch)

    with pytest.raises(Crash):
        workflow.submit(article, by=editor)

    monkeypatch.undo()
    assert counts() == before
    assert snapshot_of_rounds() == rounds_before
    first.refresh_from_db()
    assert first.state == State.SUBMITTED  # the supersede was rolled back too
    assert not ReviewRound.objects.filter(number=2).exists()


def test_a_crash_while_approving_leaves_the_round_under_review(
    article, editor, board_member, monkeypatch
):
    review_round = workflow.start_review(workflow.submit(article, by=editor), by=board_member)
    before, rounds_before = counts(), snapshot_of_rounds()
    monkeypatch.setattr(
        ReviewEvent.objects, "create", crash_on(ReviewEvent.objects.create, Action.APPROVE)
    )

    with pytest.raises(Crash):
        workflow.approve(review_round, by=board_member, note="Checked.")

    monkeypatch.undo()
    assert counts() == before
    assert snapshot_of_rounds() == rounds_before
    review_round.refresh_from_db()
    assert review_round.state == State.UNDER_REVIEW
    assert (review_round.decided_by, review_round.decided_at, review_round.approver_name) == (
        None,
        None,
        "",
    )
    assert not ReviewRound.objects.published().exists()
    # The round can still be approved once the crash is over.
    assert workflow.approve(review_round, by=board_member).state == State.APPROVED


def test_a_crash_while_requesting_changes_leaves_the_round_under_review(
    article, editor, board_member, monkeypatch
):
    review_round = workflow.start_review(workflow.submit(article, by=editor), by=board_member)
    before = counts()
    monkeypatch.setattr(ReviewEvent.objects, "create", crash)

    with pytest.raises(Crash):
        workflow.request_changes(review_round, by=board_member, note="Fix the dose.")

    monkeypatch.undo()
    assert counts() == before
    review_round.refresh_from_db()
    assert review_round.state == State.UNDER_REVIEW
    assert review_round.decision_note == ""
