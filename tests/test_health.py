"""/healthz: what a load balancer polls to decide whether this app server takes traffic."""

from unittest import mock

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_health_check_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok"}


def test_health_check_answers_503_when_the_database_fails(client):
    failure = OperationalError("connection to server at 127.0.0.1 failed: Connection refused")
    with mock.patch.object(connection, "cursor", side_effect=failure):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "unavailable"}


def test_health_check_does_not_leak_the_database_error_to_the_caller(client):
    failure = OperationalError("password authentication failed for user vetted")
    with mock.patch.object(connection, "cursor", side_effect=failure):
        response = client.get("/healthz")

    assert b"password" not in response.content


def test_health_check_answers_head_requests(client):
    response = client.head("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_health_check_refuses_post_with_405(client):
    response = client.post("/healthz")

    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD"}


def test_health_check_is_never_cached(client):
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_health_check_is_not_redirected_to_https_for_a_load_balancer(client, settings):
    # Tests run with production settings except the redirect (tests/testenv.py); turn it back on.
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    # The exemption is for the health check alone: every other page still goes to HTTPS.
    assert client.get("/").status_code == 301
