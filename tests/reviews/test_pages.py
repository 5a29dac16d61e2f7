"""reviews.pages reads an article page's data in one statement; it must say what the ORM says.

These run on SQLite and on PostgreSQL (each has its own statement).
"""

import datetime

import pytest
from django.utils import timezone

from articles.models import Disclaimer
from reviews import workflow
from reviews.models import ReviewRound, State
from reviews.pages import published_page
from tests import factories

pytestmark = pytest.mark.django_db

BODY = (
    "Vitamin D matters [@guideline-2025].\n\n"
    "::: audience patient\nAsk your doctor.\n:::\n\n"
    "::: audience clinician\nCheck serum 25(OH)D.\n:::\n"
)


@pytest.fixture
def article(editor, audiences):
    factories.ReferenceFactory(key="guideline-2025", title="A guideline")
    return factories.ArticleFactory(created_by=editor, slug="bones", body=BODY)


def approve(article, editor, board_member, note=""):
    review_round = workflow.submit(article, by=editor, note=note)
    workflow.start_review(review_round, by=board_member)
    return workflow.approve(review_round, by=board_member)


def orm_history(article):
    return list(
        ReviewRound.objects.filter(article=article, state=State.APPROVED)
        .order_by("-decided_at")
        .values_list("decided_at", "approver_name", "approver_credentials", "note")
    )


def test_an_address_without_a_published_article_has_no_page(article, editor):
    assert published_page("nowhere") is None
    assert published_page("bones") is None  # a draft, never submitted
    workflow.submit(article, by=editor)
    assert published_page("bones") is None  # submitted, but pending rounds are not shown


def test_the_page_holds_what_the_orm_reads_of_the_published_round(article, editor, board_member):
    approved = approve(article, editor, board_member)
    review_round = ReviewRound.objects.published().get()
    page = published_page("bones")

    assert review_round == approved
    assert page.slug == "bones"
    assert page.number == review_round.number
    assert page.state == State.APPROVED and page.is_approved
    assert page.snapshot_sha256 == review_round.snapshot_sha256
    assert page.submitted_at == review_round.submitted_at
    assert page.decided_at == review_round.decided_at
    assert page.last_updated == review_round.decided_at
    assert page.next_review_due == review_round.next_review_due
    assert (page.approver_name, page.approver_credentials) == (
        review_round.approver_name,
        review_round.approver_credentials,
    )
    snapshot = review_round.snapshot
    assert page.title == snapshot["article"]["title"]
    assert page.summary == snapshot["article"]["summary"]
    assert page.audiences == snapshot["audiences"]
    assert page.default_audience == snapshot["default_audience"] == "patient"
    assert page.references == snapshot["references"]
    assert page.content_for("patient") == review_round.rendered_for("patient")


def test_it_takes_one_query(article, editor, board_member, django_assert_num_queries):
    approve(article, editor, board_member)
    with django_assert_num_queries(1):
        published_page("bones", ("clinician", "student"))


def test_only_the_asked_for_and_default_audiences_are_loaded(article, editor, board_member):
    approved = approve(article, editor, board_member)

    page = published_page("bones", ("clinician", "student"))

    assert set(page.contents) == {"patient", "clinician", "student"}
    for slug in ("patient", "clinician", "student"):
        assert page.content_for(slug) == approved.rendered_for(slug)
    assert "25(OH)D" in page.content_for("clinician")["body_html"]
    assert set(published_page("bones").contents) == {"patient"}


@pytest.mark.parametrize(
    "asked",
    [
        ("astronaut", None),
        ('pat"ient', None),
        ("audiences.patient", "$"),
        ("patient']--", "' OR 1=1"),
        ("", ""),
    ],
)
def test_odd_audience_values_fall_back_to_the_default(article, editor, board_member, asked):
    approve(article, editor, board_member)

    page = published_page("bones", asked)

    assert page.choose_audience(asked) == "patient"
    assert set(page.contents) == {"patient"}


def test_the_asked_audience_wins_over_the_remembered_one(article, editor, board_member):
    approve(article, editor, board_member)
    page = published_page("bones", ("clinician", "student"))
    assert page.choose_audience(("clinician", "student")) == "clinician"
    assert page.choose_audience(("astronaut", "student")) == "student"


def test_history_lists_every_approval_newest_first(article, editor, board_member):
    approve(article, editor, board_member, note="First version.")
    factories.save_as(editor, article, title="A sharper question?")
    approve(article, editor, board_member, note="Sharper question.")

    page = published_page("bones")

    assert [
        (item.decided_at, item.approver_name, item.approver_credentials, item.note)
        for item in page.history
    ] == orm_history(article)
    assert [item.note for item in page.history] == ["Sharper question.", "First version."]
    assert page.number == 2


def test_a_pending_round_shows_when_the_article_allows_it(article, editor, board_member):
    approve(article, editor, board_member)
    article.allow_pending_publication = True
    factories.save_as(editor, article, title="Rewritten?")
    pending = workflow.submit(article, by=editor)

    page = published_page("bones")

    assert page.number == pending.number
    assert not page.is_approved
    assert page.decided_at is None and page.next_review_due is None
    assert page.last_updated == pending.submitted_at
    assert len(page.history) == 1  # the earlier approval, still listed


def test_disclaimers_match_the_orm_for_every_audience_and_state(
    article, editor, board_member, audiences
):
    patient, caregiver = audiences[:2]
    everyone = factories.DisclaimerFactory(body="For everyone.", order=2)
    factories.DisclaimerFactory(body="Switched off.", active=False, order=1)
    for_carers = factories.DisclaimerFactory(body="For carers and patients.", order=1)
    for_carers.audiences.set([patient, caregiver])
    factories.DisclaimerFactory(
        body="Pending only.", visibility=Disclaimer.Visibility.PENDING, placement="top", order=0
    )
    approve(article, editor, board_member)

    page = published_page("bones")

    for pending in (False, True):
        for audience in ("patient", "caregiver", "student", "clinician"):
            expected = [
                (item.placement, item.body)
                for item in Disclaimer.objects.for_audience(audience)
                if pending or item.visibility == Disclaimer.Visibility.ALWAYS
            ]
            shown = [
                (item.placement, item.body)
                for item in page.disclaimers
                if item.applies(audience, pending=pending)
            ]
            assert shown == expected, (audience, pending)
    assert [item.body for item in page.disclaimers_for("clinician")] == [everyone.body]


def test_timestamps_are_aware_and_exact(article, editor, board_member):
    approved = approve(article, editor, board_member)
    moment = datetime.datetime(2026, 3, 31, 23, 59, 58, 123456, tzinfo=datetime.UTC)
    ReviewRound.objects.filter(pk=approved.pk).update(decided_at=moment)

    page = published_page("bones")

    assert timezone.is_aware(page.decided_at)
    assert page.decided_at == moment
    assert page.history[0].decided_at == moment
    assert page.next_review_due == ReviewRound.objects.get(pk=approved.pk).next_review_due
