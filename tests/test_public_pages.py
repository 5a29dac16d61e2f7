"""The minimal public article page, the home page and the health check."""

import pytest
import reversion

from reviews import workflow
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(editor, audiences):
    factories.ReferenceFactory(key="g-2025", title="Bone guideline")
    return factories.ArticleFactory(
        created_by=editor,
        slug="bones",
        body=(
            "Shared fact [@g-2025].\n\n"
            "::: audience patient\nPlain words for patients.\n:::\n\n"
            "::: audience clinician\nPrecise words for clinicians.\n:::\n"
        ),
    )


@pytest.fixture
def approved(article, editor, board_member):
    review_round = workflow.submit(article, by=editor)
    workflow.start_review(review_round, by=board_member)
    return workflow.approve(review_round, by=board_member)


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}


def test_a_draft_is_not_reachable_by_an_anonymous_reader(client, article):
    assert client.get("/articles/bones/").status_code == 404
    assert "bones" not in client.get("/").content.decode()


def test_a_submitted_round_is_not_public_unless_the_article_allows_it(client, article, editor):
    workflow.submit(article, by=editor)
    assert client.get("/articles/bones/").status_code == 404


def test_the_approved_round_is_shown_with_its_reviewer(client, approved, board_member):
    response = client.get("/articles/bones/")
    page = response.content.decode()
    assert response.status_code == 200
    assert board_member.board_member.display_name in page
    assert "pending review" not in page
    assert "Plain words for patients." in page
    assert 'id="ref-1"' in page


def test_audience_parameter_changes_the_phrasing_and_is_remembered(client, approved):
    response = client.get("/articles/bones/?audience=clinician")
    assert "Precise words for clinicians." in response.content.decode()
    assert "Plain words for patients." not in response.content.decode()
    assert response.cookies["audience"].value == "clinician"
    again = client.get("/articles/bones/")
    assert "Precise words for clinicians." in again.content.decode()


def test_unknown_audience_falls_back_to_the_default(client, approved):
    response = client.get("/articles/bones/?audience=astronaut")
    assert response.status_code == 200
    assert "Plain words for patients." in response.content.decode()


def test_edits_after_approval_do_not_reach_readers(client, approved, article, editor):
    article.body = "Something unreviewed."
    with reversion.create_revision():
        reversion.set_user(editor)
        article.save()
    workflow.submit(article, by=editor)
    page = client.get("/articles/bones/").content.decode()
    assert "Something unreviewed." not in page
    assert "Shared fact" in page


def test_pending_round_is_shown_with_a_caution_when_allowed(client, article, editor):
    article.allow_pending_publication = True
    article.save()
    workflow.submit(article, by=editor)
    page = client.get("/articles/bones/").content.decode()
    assert "pending review" in page


def test_home_lists_approved_articles(client, approved):
    assert approved.snapshot["article"]["title"] in client.get("/").content.decode()
