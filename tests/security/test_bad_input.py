"""Bad input to the staff desk gets a 400 or a form error, never a 500 (issue 13, item 11).

NUL bytes are refused by PostgreSQL in any text it is sent, so each case also runs there in CI.
"""

import pytest
from django.urls import reverse

from articles.models import Question
from reviews import workflow
from tests import factories
from tests.clients import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", superuser=True)


@pytest.fixture
def signed_in(client, superuser, article):
    return logged_in(client, superuser)


@pytest.fixture
def article(editor, audiences):
    return factories.ArticleFactory(created_by=editor, slug="bones")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/reviews/reviewround/?state=%00",
        "/admin/reviews/reviewround/?state__exact=%00",
        "/admin/references/reference/?kind__exact=%00",
        "/admin/reviews/reviewevent/?action__exact=%00",
        "/admin/articles/question/?status__exact=%00",
        "/admin/articles/article/?q=%00",
        "/admin/autocomplete/?app_label=articles&model_name=article&field_name=topics&term=%00",
        "/search/?q=%00",
        "/articles/bones/?audience=%00",
    ],
)
def test_a_nul_byte_in_the_address_is_a_bad_request(signed_in, url):
    response = signed_in.get(url)

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_an_impossible_year_in_a_date_filter_is_not_a_server_error(signed_in):
    response = signed_in.get("/admin/articles/question/?created_at__year=99999999999999999999")

    assert response.status_code in (200, 302, 400)
    assert response.status_code != 500


def test_a_non_numeric_selected_row_is_not_a_server_error(signed_in, article):
    Question.objects.create(article=article, text="Is it safe?")
    response = signed_in.post(
        "/admin/articles/question/",
        {"action": "mark_answered", "_selected_action": ["abc"], "index": "0"},
    )

    assert response.status_code in (200, 302, 400)
    assert Question.objects.get().status == Question.Status.NEW


def test_a_nul_byte_in_a_workflow_note_is_a_message_and_writes_nothing(client, article, editor):
    url = reverse("admin:articles_article_workflow", args=[article.pk, "submit"])
    response = logged_in(client, editor).post(url, {"note": "Checked\x00", "what_changed": ""})

    assert response.status_code == 302
    assert not article.review_rounds.exists()
    page = client.get(response["Location"]).content.decode()
    assert "NUL character" in page


def test_a_note_longer_than_the_limit_is_refused_with_its_length(article, editor):
    with pytest.raises(workflow.InvalidNote, match="5,001 characters, at most 5,000"):
        workflow.submit(article, by=editor, note="x" * 5001)
    assert not article.review_rounds.exists()


def test_a_draft_over_its_limits_is_refused_at_submit_naming_the_field(article, editor):
    # Issue 13, item 10: a 1.8 MB summary (put there past the forms) broke search indexing.
    type(article).objects.filter(pk=article.pk).update(summary="Long. " * 300_000)
    article.refresh_from_db()

    with pytest.raises(workflow.TextTooLong, match="summary is too long: 1,800,000 characters"):
        workflow.submit(article, by=editor)
    assert not article.review_rounds.exists()
