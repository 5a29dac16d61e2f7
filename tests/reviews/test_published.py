"""What readers see: the newest approved round, or a newer open one where the article allows it."""

import datetime
import importlib

import pytest
from django.apps import apps
from reversion.models import Version

from reviews import workflow
from reviews.models import ReviewRound, State, add_months
from reviews.pages import current_address, published_page
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def published_matches_the_rule(db):
    """After every test here, the stored is_published marks exactly what the rule selects."""
    yield
    assert set(ReviewRound.objects.published()) == set(ReviewRound.objects.newest_publishable())


@pytest.fixture
def article(editor, audiences):
    return factories.ArticleFactory(created_by=editor, slug="bones", title="Old question?")


def approve_current(article, editor, board_member):
    return factories.approve(article, editor=editor, board_member=board_member)


def edit(article, editor, **changes):
    factories.save_as(editor, article, **changes)


def test_a_draft_that_was_never_submitted_is_not_published(article):
    assert not ReviewRound.objects.published().exists()


def test_an_editor_alone_cannot_publish_an_open_round(article, editor, board_member):
    # The setting on a never-approved draft, submitted with it: the board has not agreed.
    edit(article, editor, allow_pending_publication=True)
    review_round = workflow.submit(article, by=editor)
    assert not ReviewRound.objects.published().exists()
    workflow.start_review(review_round, by=board_member)
    assert not ReviewRound.objects.published().exists()


@pytest.mark.parametrize("allowed", [False, True])
def test_open_rounds_are_published_only_when_the_last_approved_round_allows_it(
    article, editor, board_member, allowed
):
    edit(article, editor, allow_pending_publication=allowed)
    approved = approve_current(article, editor, board_member)
    edit(article, editor, title="Rewritten question?")
    review_round = workflow.submit(article, by=editor)
    assert list(ReviewRound.objects.published()) == [review_round if allowed else approved]
    workflow.start_review(review_round, by=board_member)
    assert list(ReviewRound.objects.published()) == [review_round if allowed else approved]


def test_newest_approved_round_is_published(article, editor, board_member):
    first = approve_current(article, editor, board_member)
    edit(article, editor, title="New question?")
    second = approve_current(article, editor, board_member)
    assert list(ReviewRound.objects.published()) == [second]
    assert first.state == State.APPROVED


def test_newer_unapproved_round_does_not_replace_the_approved_one(article, editor, board_member):
    approved = approve_current(article, editor, board_member)
    edit(article, editor, title="Rewritten question?")
    pending = workflow.submit(article, by=editor)
    assert list(ReviewRound.objects.published()) == [approved]
    workflow.withdraw(pending, by=editor)
    assert list(ReviewRound.objects.published()) == [approved]


def test_newer_pending_round_is_shown_when_pending_publication_is_allowed(
    article, editor, board_member
):
    pending = factories.submit_pending(
        article, editor=editor, board_member=board_member, title="Rewritten question?"
    )
    assert list(ReviewRound.objects.published()) == [pending]


@pytest.mark.parametrize("ending", ["withdraw", "request_changes"])
def test_closed_rounds_are_never_published(article, editor, board_member, ending):
    review_round = factories.submit_pending(article, editor=editor, board_member=board_member)
    if ending == "withdraw":
        workflow.withdraw(review_round, by=editor)
    else:
        workflow.start_review(review_round, by=board_member)
        workflow.request_changes(review_round, by=board_member, note="No.")
    assert ReviewRound.objects.published().get().state == State.APPROVED


def test_published_selects_one_round_per_article(editor, board_member, audiences):
    for slug in ["a", "b", "c"]:
        article = factories.ArticleFactory(created_by=editor, slug=slug)
        approve_current(article, editor, board_member)
        edit(article, editor, summary="Second take.")
        approve_current(article, editor, board_member)
    published = ReviewRound.objects.published()
    assert sorted(r.article.slug for r in published) == ["a", "b", "c"]
    assert {r.number for r in published} == {2}


def test_next_review_is_due_one_interval_after_approval(article, editor, board_member):
    approved = approve_current(article, editor, board_member)
    due = published_page("bones").next_review_due
    assert due == add_months(approved.decided_at, 12)
    assert (due - approved.decided_at).days in (365, 366)


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (datetime.datetime(2025, 1, 31), 1, datetime.datetime(2025, 2, 28)),
        (datetime.datetime(2024, 2, 29), 12, datetime.datetime(2025, 2, 28)),
        (datetime.datetime(2025, 11, 15), 3, datetime.datetime(2026, 2, 15)),
    ],
)
def test_add_months_clamps_to_month_end(start, months, due):
    assert add_months(start, months) == due


def test_saving_the_pending_setting_changes_nothing_readers_see(article, editor, board_member):
    # Issue 13, item 5: ticking the box published unreviewed text at once.
    approved = approve_current(article, editor, board_member)
    edit(article, editor, title="Rewritten question?")
    pending = workflow.submit(article, by=editor)
    edit(article, editor, allow_pending_publication=True)
    assert list(ReviewRound.objects.published()) == [approved]
    # Once a round carrying the setting is approved, later submissions show as pending.
    approve_current(article, editor, board_member)
    edit(article, editor, title="Third question?")
    third = workflow.submit(article, by=editor)
    assert list(ReviewRound.objects.published()) == [third]
    assert pending.pk != third.pk


def test_reverting_the_draft_changes_nothing_readers_see(article, editor, board_member):
    pending = factories.submit_pending(article, editor=editor, board_member=board_member)
    first_version = Version.objects.get_for_object(article).order_by("pk").first()
    first_version.revert()  # a raw save of the old row (pending off), as the admin's revert
    assert list(ReviewRound.objects.published()) == [pending]


def test_a_new_review_interval_reaches_readers_only_with_an_approved_round(
    article, editor, board_member
):
    approved = approve_current(article, editor, board_member)
    edit(article, editor, review_interval_months=60)
    assert published_page("bones").next_review_due == add_months(approved.decided_at, 12)
    newer = approve_current(article, editor, board_member)
    assert published_page("bones").next_review_due == add_months(newer.decided_at, 60)


def test_a_new_address_reaches_readers_only_with_an_approved_round(article, editor, board_member):
    approve_current(article, editor, board_member)
    edit(article, editor, slug="bones-and-vitamin-d")
    assert published_page("bones") is not None
    assert published_page("bones-and-vitamin-d") is None
    pending = workflow.submit(article, by=editor)
    assert published_page("bones-and-vitamin-d") is None  # submitted is not approved
    workflow.start_review(pending, by=board_member)
    workflow.approve(pending, by=board_member)
    assert published_page("bones") is None
    assert published_page("bones-and-vitamin-d").number == pending.number
    assert current_address("bones") == "bones-and-vitamin-d"


def test_an_open_round_with_a_new_address_is_not_shown_as_pending(article, editor, board_member):
    pending = factories.submit_pending(article, editor=editor, board_member=board_member)
    workflow.withdraw(pending, by=editor)
    edit(article, editor, slug="new-address")
    workflow.submit(article, by=editor)
    assert ReviewRound.objects.published().get().slug == "bones"


def test_an_address_another_article_was_published_at_cannot_be_submitted(
    article, editor, board_member, audiences
):
    approve_current(article, editor, board_member)
    edit(article, editor, slug="bones-renamed")
    approve_current(article, editor, board_member)
    other = factories.ArticleFactory(created_by=editor, slug="bones")

    with pytest.raises(workflow.AddressTaken, match="“bones” belongs to another"):
        workflow.submit(other, by=editor)
    assert not other.review_rounds.exists()


def test_an_article_loaded_afresh_and_saved_keeps_its_published_round(
    article, editor, board_member
):
    approved = approve_current(article, editor, board_member)
    fresh = type(article).objects.get(pk=article.pk)
    fresh.allow_pending_publication = True
    fresh.save()
    assert list(ReviewRound.objects.published()) == [approved]


def test_the_migration_marks_what_the_workflow_would(editor, board_member, audiences):
    for slug, pending in [("a", False), ("b", True), ("c", False)]:
        article = factories.ArticleFactory(
            created_by=editor, slug=slug, allow_pending_publication=pending
        )
        approve_current(article, editor, board_member)
        edit(article, editor, summary="Second take.")
        workflow.submit(article, by=editor)
    expected = set(ReviewRound.objects.published())
    ReviewRound.objects.update(is_published=False)
    migration = importlib.import_module("reviews.migrations.0005_published_round")
    migration.mark_published(apps, schema_editor=None)
    assert set(ReviewRound.objects.published()) == expected
    assert {r.article.slug: r.state for r in expected} == {
        "a": State.APPROVED,
        "b": State.SUBMITTED,
        "c": State.APPROVED,
    }
