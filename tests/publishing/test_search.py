"""Search over published text only: weighted full-text on PostgreSQL, a plain match elsewhere."""

import pytest
import reversion
from django.db import connection

from reviews import workflow
from tests import factories

pytestmark = pytest.mark.django_db


def publish(editor, board_member, slug, title, summary="A summary.", body="A body.", approve=True):
    article = factories.ArticleFactory(
        created_by=editor, slug=slug, title=title, summary=summary, body=body
    )
    review_round = workflow.submit(article, by=editor)
    if approve:
        workflow.start_review(review_round, by=board_member)
        workflow.approve(review_round, by=board_member)
    return article


def results(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return [r.article.slug for r in response.context["page_obj"].object_list]


@pytest.fixture
def corpus(editor, board_member, audiences):
    publish(editor, board_member, "title-hit", "Is magnesium safe in pregnancy?")
    publish(editor, board_member, "summary-hit", "Bones", summary="Magnesium supports bone.")
    publish(editor, board_member, "body-hit", "Sleep", body="Some people take magnesium at night.")
    publish(editor, board_member, "unrelated", "Vitamin C and colds")
    publish(editor, board_member, "never-approved", "Magnesium draft?", approve=False)
    factories.ArticleFactory(created_by=editor, slug="draft-only", title="Magnesium draft only?")


def test_search_finds_published_articles_only(client, corpus):
    found = results(client, "magnesium")
    assert set(found) == {"title-hit", "summary-hit", "body-hit"}


def test_search_never_shows_unapproved_newer_text(client, editor, board_member, audiences):
    article = publish(editor, board_member, "changing", "Iron and anaemia?")
    article.body = "Now mentions zinc, unreviewed."
    with reversion.create_revision():
        reversion.set_user(editor)
        article.save()
    workflow.submit(article, by=editor)
    assert results(client, "zinc") == []
    assert results(client, "iron") == ["changing"]


def test_pending_text_is_searchable_when_it_is_the_shown_round(
    client, editor, board_member, audiences
):
    article = factories.ArticleFactory(created_by=editor, slug="pending", title="Iodine?")
    factories.submit_pending(article, editor=editor, board_member=board_member, title="Selenium?")
    assert results(client, "selenium") == ["pending"]
    assert results(client, "iodine") == []


@pytest.mark.parametrize(
    "query",
    ["", "   ", "x" * 5000, "'; DROP TABLE x; --", "&&||!:*<>()", "\x01\x02", "🦴 bone", "a:b:c"],
)
def test_empty_long_and_odd_queries_return_a_normal_page(client, corpus, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200


def test_a_query_of_spaces_is_no_query(client, corpus):
    page = client.get("/search/", {"q": "   "}).content.decode()
    assert "results for" not in page and "0 results" not in page


def test_the_words_searched_are_the_words_shown(client, corpus):
    """The search box takes 200 characters; a longer address is searched as far as it shows."""
    response = client.get("/search/", {"q": "  magnesium " + "x" * 300})
    assert response.context["q"] == ("magnesium " + "x" * 300)[:200]
    assert results(client, " magnesium ") != []


def test_a_query_with_a_nul_character_is_a_bad_request(client, corpus):
    response = client.get("/search/", {"q": "\x00\x01"})
    assert response.status_code == 400


def test_search_results_are_paginated(client, editor, board_member, audiences):
    for index in range(12):
        publish(editor, board_member, f"calcium-{index}", f"Calcium question {index}?")
    assert len(results(client, "calcium")) == 10
    assert len(results(client, "calcium", page=2)) == 2
    assert len(results(client, "calcium", page="junk")) == 10


@pytest.mark.postgres
def test_title_matches_rank_above_summary_and_body_matches(client, corpus):
    assert results(client, "magnesium") == ["title-hit", "summary-hit", "body-hit"]


@pytest.mark.postgres
def test_snippets_highlight_matches_and_escape_the_rest(client, editor, board_member, audiences):
    publish(editor, board_member, "esc", "Potassium?", body="Potassium & <b>salt</b> in food.")
    page = client.get("/search/", {"q": "potassium"}).content.decode()
    # One level of escaping: "&" shows as "&amp;" (not "&amp;amp;"), and no tag survives.
    assert "<mark>Potassium</mark> &amp;" in page
    assert "<b>salt</b>" not in page


@pytest.mark.postgres
def test_search_uses_stemming(client, corpus):
    assert "body-hit" in results(client, "takes")


@pytest.mark.postgres
def test_search_uses_the_gin_index(editor, board_member, audiences):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'reviewround_search_vector_gin'"
        )
        (definition,) = cursor.fetchone()
    assert "gin (search_vector)" in definition
    assert definition.endswith("WHERE is_published")  # readers search nothing else


@pytest.mark.postgres
def test_a_very_common_word_ranks_a_bounded_number_of_matches(
    client, editor, board_member, audiences, monkeypatch
):
    monkeypatch.setattr("reviews.search.MAX_RANKED", 3)
    monkeypatch.setattr("publishing.views.MAX_RANKED", 3)
    for index in range(5):
        publish(editor, board_member, f"zinc-{index}", f"Zinc question {index}?")
    page = client.get("/search/", {"q": "zinc"}).content.decode()
    assert len(results(client, "zinc")) == 3
    assert "More than 3 results for “zinc”" in page
    publish(editor, board_member, "iron", "Iron question?")
    assert "1 result for “iron”." in client.get("/search/", {"q": "iron"}).content.decode()
