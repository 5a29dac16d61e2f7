"""Retracted references in articles (issue 16, item 6): the writing checks and the round page
warn, the admin index lists published articles needing re-review, the board is e-mailed once
per article, and readers see "Retracted" beside the reference."""

import datetime
import io
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from editorial.checks import writing_checks
from references.models import Reference
from references.retractions import RetractionNotice
from reviews import workflow
from reviews.models import RetractionAlert
from reviews.pages import published_page
from reviews.retractions import needs_rereview, retracted_in_round, retractions_mark
from tests import factories
from tests.clients import logged_in

pytestmark = pytest.mark.django_db

CSV = Path(__file__).resolve().parents[1] / "fixtures" / "references" / "retraction-watch.csv"
BODY = (
    "Vitamin D lowers falls [@odegard2021falls].\n\n"
    "Calcium matters too [@steady2020].\n\n"
    "::: audience clinician\nSee the trial again [@odegard2021falls; @steady2020].\n:::\n"
)


@pytest.fixture
def library(db):
    return {
        "trial": factories.ReferenceFactory(
            key="odegard2021falls", title="Falls in a trial", doi="10.5555/jcbr.2021.1104"
        ),
        "steady": factories.ReferenceFactory(key="steady2020", title="A sound study"),
        "hips": factories.ReferenceFactory(key="berg2019", title="Hips", pmid="99000202"),
    }


@pytest.fixture
def article(editor, audiences, library):
    return factories.ArticleFactory(created_by=editor, slug="falls", body=BODY)


def import_csv(path=CSV):
    stdout = io.StringIO()
    call_command("import_retractions", str(path), stdout=stdout)
    return stdout.getvalue()


def notice(doi="10.5555/jcbr.2021.1104", pmid="", row=2):
    return RetractionNotice(
        row=row,
        paper_doi=doi,
        paper_pmid=pmid,
        notice_doi="10.5555/jcbr.2023.retract.1104",
        date=datetime.date(2023, 3, 21),
    )


def test_writing_checks_warn_on_every_line_citing_a_retracted_reference(article, library):
    library["trial"].retracted = True
    library["trial"].retraction_date = datetime.date(2023, 3, 21)
    library["trial"].save()

    problems = writing_checks(article, article.body)["problems"]

    retracted = [problem for problem in problems if problem["code"] == "retracted-reference"]
    assert [problem["line"] for problem in retracted] == [1, 6]
    assert (
        "[@odegard2021falls] “Falls in a trial” was retracted on 2023-03-21"
        in (retracted[0]["message"])
    )
    # A warning, not a problem that stops the board from seeing it.
    assert workflow.submit(article, by=article.created_by).number == 1


def test_writing_checks_say_nothing_of_retractions_when_none_is_cited(article):
    problems = writing_checks(article, article.body)["problems"]

    assert not [problem for problem in problems if problem["code"] == "retracted-reference"]


def test_round_page_warns_on_references_retracted_since_it_was_submitted(
    article, editor, board_member, client
):
    review_round = workflow.submit(article, by=editor)
    retractions_mark(notices=[notice()], source="test.csv")

    found = retracted_in_round(review_round)
    response = logged_in(client, board_member).get(
        f"/admin/reviews/reviewround/{review_round.pk}/change/"
    )

    assert [(item.key, item.lines, item.known_when_frozen) for item in found] == [
        ("odegard2021falls", (1, 6), False)
    ]
    text = response.content.decode()
    assert "Round 1 cites a retracted reference on lines 1, 6" in text
    assert "since this round was submitted" in text


def test_round_page_warns_on_a_reference_frozen_as_retracted(article, editor, library):
    library["steady"].retracted = True
    library["steady"].save()
    review_round = workflow.submit(article, by=editor)

    found = retracted_in_round(review_round)

    assert [(item.key, item.known_when_frozen) for item in found] == [("steady2020", True)]


def test_import_lists_the_article_and_emails_the_board_once(
    article, editor, board_member, second_board_member, django_capture_on_commit_callbacks
):
    factories.approve(article, editor=editor, board_member=board_member)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        output = import_csv()

    assert "needs re-review: “" in output and "cites [@odegard2021falls]" in output
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([board_member.email, second_board_member.email])
    assert "Retracted reference cited" in message.subject
    assert "[@odegard2021falls] “Falls in a trial” was retracted on 2023-03-21" in message.body
    assert "Cited on lines 1, 6." in message.body
    assert RetractionAlert.objects.filter(article=article).count() == 1
    [listed] = needs_rereview()
    assert (listed.article_id, [item.key for item in listed.references]) == (
        article.pk,
        ["odegard2021falls"],
    )

    # Importing the same file again tells nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        output = import_csv()
    assert len(mail.outbox) == 1
    assert "needs re-review" not in output
    assert RetractionAlert.objects.count() == 1


def test_one_email_per_article_when_two_of_its_references_are_retracted(
    article, editor, board_member, library, django_capture_on_commit_callbacks
):
    factories.approve(article, editor=editor, board_member=board_member)
    library["steady"].pmid = "99000303"
    library["steady"].save()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        _marked, alerted = retractions_mark(
            notices=[notice(), notice(doi="", pmid="99000303", row=3)], source="two.csv"
        )

    assert [len(item.references) for item in alerted] == [2]
    assert len(mail.outbox) == 1
    assert "[@odegard2021falls]" in mail.outbox[0].body
    assert "[@steady2020]" in mail.outbox[0].body
    assert RetractionAlert.objects.count() == 2


def test_drafts_and_open_rounds_are_not_mailed_about(
    article, editor, django_capture_on_commit_callbacks
):
    workflow.submit(article, by=editor)

    with django_capture_on_commit_callbacks(execute=True):
        _marked, alerted = retractions_mark(notices=[notice()], source="test.csv")

    assert alerted == [] and mail.outbox == [] and needs_rereview() == []


def test_a_dry_run_records_and_sends_nothing(
    article, editor, board_member, django_capture_on_commit_callbacks
):
    factories.approve(article, editor=editor, board_member=board_member)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        marked, alerted = retractions_mark(notices=[notice()], source="t.csv", dry_run=True)

    assert [item.changed for item in marked] == [True]
    assert alerted == [] and mail.outbox == [] and RetractionAlert.objects.count() == 0


def test_an_article_approved_knowing_of_the_retraction_needs_no_re_review(
    article, editor, board_member, library
):
    retractions_mark(notices=[notice()], source="test.csv")
    factories.approve(article, editor=editor, board_member=board_member)

    assert needs_rereview() == []


def test_admin_index_lists_articles_needing_re_review(
    article, editor, board_member, client, django_assert_max_num_queries
):
    factories.approve(article, editor=editor, board_member=board_member)
    for number in range(5):
        other = factories.ArticleFactory(
            created_by=editor, slug=f"other-{number}", body="Falls [@odegard2021falls]."
        )
        factories.approve(other, editor=editor, board_member=board_member)
    retractions_mark(notices=[notice()], source="test.csv")

    with django_assert_max_num_queries(3):
        assert len(needs_rereview()) == 6
    text = logged_in(client, board_member).get("/admin/").content.decode()

    assert "Needs re-review: retracted references" in text
    assert "6 published articles cite a reference retracted" in text
    assert article.title in text


def test_admin_index_shows_no_list_when_nothing_is_retracted(article, board_member, client):
    text = logged_in(client, board_member).get("/admin/").content.decode()

    assert "Needs re-review" not in text


def test_readers_see_retracted_beside_a_reference_retracted_after_approval(
    article, editor, board_member, client, django_capture_on_commit_callbacks
):
    factories.approve(article, editor=editor, board_member=board_member)
    # Cached now: marking the retraction must make this page stale.
    assert "ref-retracted" not in client.get("/articles/falls/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        retractions_mark(notices=[notice()], source="test.csv")
    page = published_page("falls")
    text = client.get("/articles/falls/").content.decode()

    assert page.references["odegard2021falls"]["retracted"] is True
    assert page.references["steady2020"]["retracted"] is False
    label = '<span class="ref-retracted">Retracted</span>'
    assert page.content["references_html"].count(label) == 1
    assert (
        '<li id="ref-1"><span class="ref-retracted">Retracted</span> <a '
        'href="https://doi.org/10.5555/jcbr.2023.retract.1104" class="ref-retraction">'
        "retraction notice</a>"
    ) in text
    # The frozen round itself is untouched: the label is laid over it.
    review_round = article.review_rounds.get()
    assert "ref-retracted" not in review_round.rendered["audiences"]["patient"]["references_html"]


def test_readers_see_retracted_from_the_frozen_snapshot(article, editor, board_member, client):
    retractions_mark(notices=[notice()], source="test.csv")
    factories.approve(article, editor=editor, board_member=board_member)

    review_round = article.review_rounds.get()
    html = review_round.rendered["audiences"]["clinician"]["references_html"]
    text = client.get("/articles/falls/?audience=clinician").content.decode()

    assert html.count("ref-retracted") == 1
    assert text.count('<span class="ref-retracted">Retracted</span>') == 1


def test_clearing_a_wrong_retraction_in_the_admin_shows_at_once(
    article, editor, board_member, client, django_capture_on_commit_callbacks
):
    factories.approve(article, editor=editor, board_member=board_member)
    with django_capture_on_commit_callbacks(execute=True):
        retractions_mark(notices=[notice()], source="test.csv")
    assert "ref-retracted" in client.get("/articles/falls/").content.decode()
    superuser = factories.UserFactory(superuser=True)
    reference = Reference.objects.get(key="odegard2021falls")
    form = {
        "key": reference.key,
        "kind": reference.kind,
        "title": reference.title,
        "authors": reference.authors,
        "container": reference.container,
        "year": reference.year,
        "doi": reference.doi,
        "retraction_doi": "",
        "retraction_date": "",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(Client(), superuser).post(
            f"/admin/references/reference/{reference.pk}/change/", form
        )

    assert response.status_code == 302
    reference.refresh_from_db()
    assert not reference.retracted
    assert "ref-retracted" not in client.get("/articles/falls/").content.decode()
