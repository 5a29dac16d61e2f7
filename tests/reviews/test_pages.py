"""reviews.pages reads an article page's data: in one statement on PostgreSQL, through the ORM
elsewhere. Both must say the same, and what the models say.
"""

import datetime

import pytest
from django.utils import timezone

from articles.models import Audience, Disclaimer
from reviews import pages, workflow
from reviews.models import ReviewRound, State, add_months
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


def approve(article, editor, board_member, what_changed=""):
    return factories.approve(
        article, editor=editor, board_member=board_member, what_changed=what_changed
    )


def orm_history(article):
    return list(
        ReviewRound.objects.filter(article=article, state=State.APPROVED)
        .order_by("-decided_at")
        .values_list("decided_at", "approver_name", "approver_credentials", "what_changed")
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
    assert page.next_review_due == add_months(review_round.decided_at, 12)
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
    assert page.audience == "patient"
    assert page.content == review_round.rendered_for("patient")


@pytest.mark.postgres
def test_it_takes_one_query_on_postgresql(article, editor, board_member, django_assert_num_queries):
    approve(article, editor, board_member)
    with django_assert_num_queries(1):
        published_page("bones", ("clinician", "student"))


def test_the_orm_reads_it_in_four_queries(article, editor, board_member, django_assert_num_queries):
    approve(article, editor, board_member)
    # The round, its history, the disclaimers, and which cited references are retracted now.
    with django_assert_num_queries(4):
        pages._read_with_the_orm("bones", "clinician", "student", every_audience=False)


@pytest.mark.postgres
@pytest.mark.parametrize("pending", [False, True])
@pytest.mark.parametrize(
    "asked", [(None, None), ("clinician", None), ("astronaut", "student"), (None, "caregiver")]
)
def test_the_statement_reads_exactly_what_the_orm_reads(
    article, editor, board_member, audiences, asked, pending
):
    for_carers = factories.DisclaimerFactory(body="For carers.", order=1)
    for_carers.audiences.set(audiences[:2])
    factories.DisclaimerFactory(body="Pending.", visibility=Disclaimer.Visibility.PENDING)
    factories.DisclaimerFactory(body="For everyone.", placement="top")
    if pending:
        factories.submit_pending(
            article, editor=editor, board_member=board_member, body=article.body + "\nMore."
        )
    else:
        approve(article, editor, board_member, what_changed="First.")

    for every_audience in (False, True):
        statement = pages._read_in_one_statement("bones", *asked, every_audience)
        orm = pages._read_with_the_orm("bones", *asked, every_audience)
        assert statement == orm
    assert statement.is_approved is not pending


@pytest.mark.parametrize(
    ("asked", "audience"),
    [
        ((None, None), "patient"),
        (("clinician", None), "clinician"),
        (("clinician", "student"), "clinician"),
        (("astronaut", "student"), "student"),
        ((None, "caregiver"), "caregiver"),
        (("patient", "clinician"), "patient"),
    ],
)
def test_the_page_is_for_the_first_asked_audience_the_article_has(
    article, editor, board_member, asked, audience
):
    approved = approve(article, editor, board_member)

    page = published_page("bones", asked)

    assert page.audience == audience
    assert page.content == approved.rendered_for(audience)
    assert page.audience_name == audience.capitalize()


def test_an_audience_the_article_was_not_written_for_gets_the_default(
    article, editor, board_member, audiences
):
    approved = approve(article, editor, board_member)
    Audience.objects.create(slug="astronaut", name="Astronaut", order=9)  # after the snapshot

    page = published_page("bones", ("astronaut", None))

    assert page.audience == "patient"
    assert page.content == approved.rendered_for("patient")


@pytest.mark.parametrize(
    "asked",
    [
        ('pat"ient', None),
        ("audiences.patient", "$"),
        ("patient']--", "' OR 1=1"),
        ("clinician\x00", "clinician "),
        ("", ""),
    ],
)
def test_odd_audience_values_fall_back_to_the_default(article, editor, board_member, asked):
    approved = approve(article, editor, board_member)

    page = published_page("bones", asked)

    assert page.audience == "patient"
    assert page.content == approved.rendered_for("patient")


def test_history_lists_every_approval_newest_first(article, editor, board_member):
    approve(article, editor, board_member, what_changed="First version.")
    factories.save_as(editor, article, title="A sharper question?")
    approve(article, editor, board_member, what_changed="Sharper question.")

    page = published_page("bones")

    assert [
        (item.decided_at, item.approver_name, item.approver_credentials, item.what_changed)
        for item in page.history
    ] == orm_history(article)
    assert [item.what_changed for item in page.history] == [
        "Sharper question.",
        "First version.",
    ]
    assert page.number == 2


def test_a_pending_round_shows_when_the_article_allows_it(article, editor, board_member):
    pending = factories.submit_pending(
        article, editor=editor, board_member=board_member, title="Rewritten?"
    )

    page = published_page("bones")

    assert page.number == pending.number
    assert not page.is_approved
    assert page.decided_at is None and page.next_review_due is None
    assert page.last_updated == pending.submitted_at
    assert len(page.history) == 1  # the earlier approval, still listed


@pytest.mark.parametrize("pending", [False, True])
def test_disclaimers_match_the_orm_for_every_audience(
    article, editor, board_member, audiences, pending
):
    patient, caregiver = audiences[:2]
    factories.DisclaimerFactory(body="For everyone.", order=2)
    factories.DisclaimerFactory(body="Switched off.", active=False, order=1)
    for_carers = factories.DisclaimerFactory(body="For carers and patients.", order=1)
    for_carers.audiences.set([patient, caregiver])
    factories.DisclaimerFactory(
        body="Pending only.", visibility=Disclaimer.Visibility.PENDING, placement="top", order=0
    )
    factories.DisclaimerFactory(body="Same order, later id.", order=2)
    if pending:
        factories.submit_pending(article, editor=editor, board_member=board_member)
    else:
        approve(article, editor, board_member)

    for audience in ("patient", "caregiver", "student", "clinician"):
        page = published_page("bones", (audience, None))
        expected = [
            (item.placement, item.body)
            for item in Disclaimer.objects.for_audience(audience, pending=pending)
        ]
        assert page.disclaimers == expected, audience
    shown = [body for _, body in published_page("bones", ("clinician", None)).disclaimers]
    assert shown == (["Pending only."] if pending else []) + [
        "For everyone.",
        "Same order, later id.",
    ]


def test_timestamps_are_aware_and_exact(article, editor, board_member):
    approved = approve(article, editor, board_member)
    moment = datetime.datetime(2026, 3, 31, 23, 59, 58, 123456, tzinfo=datetime.UTC)
    ReviewRound.objects.filter(pk=approved.pk).update(decided_at=moment)

    page = published_page("bones")

    assert timezone.is_aware(page.decided_at)
    assert page.decided_at == moment
    assert page.history[0].decided_at == moment
    assert page.next_review_due == add_months(moment, 12)
