"""Production settings: deploy checks, security headers, cookies, 500 pages.

Sign-in throttling is in test_sign_in.py."""

import pytest
from django.test import Client

from tests import factories
from tests.processes import run_manage, run_python
from tests.security.urls_that_fail import SECRET_IN_TRACEBACK

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password

# What an operator sets in production (docs/operations.md); DEBUG is simply not set.
PRODUCTION_ENV = {
    "SECRET_KEY": "x7Gq2-production-like-secret-key-with-enough-entropy-0123456789abcdefXYZ",
    "ALLOWED_HOSTS": "vetted.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://vetted.example.org",
    "SITE_URL": "https://vetted.example.org",
    "DATABASE_URL": "sqlite:////tmp/vetted-deploy-check.sqlite3",
    "EMAIL_URL": "console://",
}


def production_process(*args):
    return run_manage(*args, **PRODUCTION_ENV)


def test_check_deploy_reports_nothing_with_the_production_environment():
    result = production_process("check", "--deploy", "--fail-level", "DEBUG")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_warns_when_site_url_is_left_at_the_development_default():
    """Left unset, SITE_URL sends the sitemap, the feed, canonical links and review e-mails
    to 127.0.0.1; the release steps run check --deploy --fail-level WARNING, so it stops."""
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{**PRODUCTION_ENV, "SITE_URL": "http://127.0.0.1:8000"},
    )

    assert result.returncode != 0
    assert "publishing.W001" in result.stdout + result.stderr
    assert "SITE_URL" in result.stdout + result.stderr


def test_production_settings_turn_on_https_only_cookies_and_hsts():
    code = (
        "import json, config.settings as s; print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.X_FRAME_OPTIONS]))"
    )
    result = run_python("-c", code, timeout=60, **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[false, true, true, true, true, 31536000, true, "DENY"]'


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/search/?q=bone", "/advisory-board/", "/admin/login/"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path, secure=True)

    assert response.status_code == 200, path
    csp = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives.get("script-src", [])
    assert "'unsafe-inline'" not in directives["default-src"]
    assert "'unsafe-eval'" not in csp
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure_and_http_only(client, settings):
    settings.SESSION_COOKIE_SECURE = True  # as config.settings sets them with DEBUG off
    settings.CSRF_COOKIE_SECURE = True
    user = factories.UserFactory(superuser=True, username="root")

    page = client.get("/admin/login/", secure=True)
    csrf = page.cookies["csrftoken"]
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": user.username, "password": PASSWORD},
        secure=True,
    )

    assert response.status_code == 302, response.content[:500]
    session = response.cookies["sessionid"]
    for cookie in (csrf, session):
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


# --- Errors -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("tests.security.urls_that_fail")
def test_a_server_error_renders_the_plain_500_page_without_a_traceback(settings):
    assert settings.DEBUG is False
    client = Client(raise_request_exception=False)

    response = client.get("/__test__/explode/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    for leak in (SECRET_IN_TRACEBACK, "Traceback", "RuntimeError", "File &quot;", 'File "'):
        assert leak not in response.text
    assert response["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_missing_page_is_the_plain_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Traceback" not in response.text
    assert "URLconf" not in response.text
