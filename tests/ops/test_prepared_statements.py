"""The article page's statement is prepared on the server (config/postgresql/base.py): planned
once per connection, still counted by the tests' query budgets, and plain when turned off."""

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from reviews.pages import published_page
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def prepared_statements():
    """The statements this connection has prepared, as the server lists them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def slug(editor, board_member, audiences):
    article = factories.ArticleFactory(created_by=editor, slug="bones", body="Bones need light.")
    factories.approve(article, editor=editor, board_member=board_member)
    return "bones"


def article_statements():
    return [text for text in prepared_statements() if "'retracted_now'" in text]


def test_the_article_statement_is_prepared_once_and_reused(slug):
    first = published_page(slug, (None, None))
    assert len(article_statements()) == 1  # prepared on first use
    for audiences in (("clinician", None), ("no-such-audience", "patient"), (None, None)):
        assert published_page(slug, audiences) is not None
    assert published_page("nowhere", (None, None)) is None
    assert len(article_statements()) == 1  # and reused, whatever the parameters
    assert published_page(slug, (None, None)) == first


def test_prepared_statements_are_counted_like_any_query(slug):
    with CaptureQueriesContext(connection) as captured:
        published_page(slug, (None, None))
    assert len(captured) == 1
    assert "'retracted_now'" in captured[0]["sql"]


def test_turned_off_the_statement_runs_unprepared(slug, monkeypatch):
    # The wrapper itself: monkeypatch cannot restore an attribute set through the proxy.
    monkeypatch.setattr(connections["default"], "prepared_statements", False)
    assert published_page(slug, (None, None)) is not None
    assert article_statements() == []


def test_the_option_is_not_passed_to_the_driver():
    params = connection.get_connection_params()
    assert "prepared_statements" not in params
    assert params["prepare_threshold"] is not None  # preparing is possible when asked
