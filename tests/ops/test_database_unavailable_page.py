"""A lost database connection answers 503 with a short plain page, never a traceback or a 500.

These run on any database: the failure is simulated. tests/ops/test_database_outage.py proves
the same against a real PostgreSQL that is stopped and started again.
"""

import logging
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import IntegrityError, InterfaceError, OperationalError
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db

ARTICLE = "/articles/vitamin-d-and-k2-for-osteoporosis/"
REFUSED = OperationalError(
    'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
)


def get_article_while(failure, client):
    with mock.patch("publishing.views.published_page", side_effect=failure):
        return client.get(ARTICLE)


def test_a_page_answers_503_with_a_plain_page_when_the_database_refuses(client):
    response = get_article_while(REFUSED, client)

    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.startswith(b"The service is temporarily unavailable.")
    assert len(response.content) < 400


def test_the_503_page_tells_clients_when_to_retry_and_not_to_cache_it(client):
    response = get_article_while(REFUSED, client)

    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]


def test_the_503_page_does_not_leak_the_database_error(client):
    response = get_article_while(REFUSED, client)

    for leak in (b"5432", b"127.0.0.1", b"refused", b"Traceback", b"OperationalError"):
        assert leak not in response.content


def test_a_closed_connection_also_answers_503(client):
    response = get_article_while(InterfaceError("connection already closed"), client)

    assert response.status_code == 503


def test_the_503_page_still_carries_the_security_headers(client):
    response = get_article_while(REFUSED, client)

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_outage_is_logged_as_one_line_for_the_operator(client, caplog):
    with caplog.at_level(logging.ERROR, logger="config.middleware"):
        get_article_while(REFUSED, client)

    [record] = [r for r in caplog.records if r.name == "config.middleware"]
    assert record.getMessage() == (
        f"Database unavailable, answered 503 to GET {ARTICLE}: OperationalError: "
        'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    )
    assert record.exc_info is None


def test_other_database_errors_are_bugs_and_are_not_hidden_as_an_outage(client):
    with pytest.raises(IntegrityError):
        get_article_while(IntegrityError("duplicate key value"), client)


def sign_in_while_the_session_cannot_be_saved(failure):
    """Sign in; the view creates the session, then saving it after the view fails."""
    factories.UserFactory(username="night-editor", superuser=True)
    client = Client(raise_request_exception=False)
    create = SessionStore.save

    def save(session, must_create=False):
        if must_create:  # in the view: login() makes a new session
            return create(session, must_create=True)
        raise failure  # in SessionMiddleware, after the view has returned

    with mock.patch.object(SessionStore, "save", save):
        return client.post(
            "/admin/login/", {"username": "night-editor", "password": "correct-horse-battery"}
        )


def test_a_lost_connection_outside_a_view_also_answers_503(caplog):
    # Saving the session after a sign-in happens in SessionMiddleware, after the view.
    with caplog.at_level(logging.ERROR, logger="config.middleware"):
        response = sign_in_while_the_session_cannot_be_saved(REFUSED)

    assert response.status_code == 503
    assert response.content.startswith(b"The service is temporarily unavailable.")
    assert response["Retry-After"] == "30"
    assert any("answered 503 to POST /admin/login/" in r.getMessage() for r in caplog.records)


def test_other_errors_outside_a_view_still_get_the_plain_500_page():
    response = sign_in_while_the_session_cannot_be_saved(RuntimeError("a bug"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text


class RefusedStatement(Exception):
    """What psycopg raises for a statement PostgreSQL refuses (its SQLSTATE says why)."""

    sqlstate = "54000"  # program_limit_exceeded: "string is too long for tsvector"


def test_a_statement_the_database_refuses_is_not_blamed_on_an_outage(client):
    # Issue 13, item 10: this answered the 503 outage page and logged a database outage.
    refused = OperationalError("string is too long for tsvector (1800000 bytes, max 1048575)")
    refused.__cause__ = RefusedStatement()

    with pytest.raises(OperationalError):
        get_article_while(refused, client)
