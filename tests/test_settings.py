"""config.settings, read from the environment the way a fresh process reads it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import cache_from_url, email_from_url

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Every variable config.settings reads; a subprocess starts with none of them unless a test sets it.
SETTINGS_VARIABLES = {
    "DATABASE_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "CACHE_URL",
    "CACHE_KEY_PREFIX",
    "CONN_MAX_AGE",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "TIME_ZONE",
    "LOG_LEVEL",
    "TRUSTED_PROXIES",
    "REDIS_TIMEOUT",
    "PAGE_LOCAL_COPY",
    "DJANGO_SETTINGS_MODULE",
}

PRINT_SETTINGS = """
import json
import config.settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "DATABASE": s.DATABASES["default"],
    "CACHE": s.CACHES["default"],
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
    "SECURE_SSL_REDIRECT": getattr(s, "SECURE_SSL_REDIRECT", False),
    "SECURE_HSTS_SECONDS": getattr(s, "SECURE_HSTS_SECONDS", 0),
    "SESSION_COOKIE_SECURE": getattr(s, "SESSION_COOKIE_SECURE", False),
    "CSRF_COOKIE_SECURE": getattr(s, "CSRF_COOKIE_SECURE", False),
    "SECURE_REDIRECT_EXEMPT": getattr(s, "SECURE_REDIRECT_EXEMPT", []),
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "TRUSTED_PROXIES": s.TRUSTED_PROXIES,
}, default=str))
"""


def import_settings(code="import config.settings", **variables):
    """Run `code` in a fresh interpreter whose environment sets only `variables` for Vetted."""
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    env |= variables
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_for(**variables):
    result = import_settings(PRINT_SETTINGS, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_settings_refuse_to_load_without_a_secret_key_when_debug_is_off():
    result = import_settings()

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_settings_refuse_an_empty_secret_key_when_debug_is_off():
    result = import_settings(SECRET_KEY="", DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_load_without_a_secret_key_in_debug_mode():
    result = import_settings(DEBUG="1")

    assert result.returncode == 0, result.stderr


def test_a_debug_value_that_is_not_a_boolean_is_a_clear_error():
    result = import_settings(DEBUG="maybe", SECRET_KEY="x")

    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG must be true or false, not 'maybe'" in result.stderr


def test_sqlite_is_the_default_database_with_no_persistent_connections():
    loaded = settings_for(DEBUG="1")

    assert loaded["DATABASE"]["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["DATABASE"]["NAME"] == str(PROJECT_DIR / "db.sqlite3")
    assert loaded["DATABASE"]["CONN_MAX_AGE"] == 0


def test_a_postgres_url_selects_postgresql_with_persistent_health_checked_connections():
    loaded = settings_for(DEBUG="1", DATABASE_URL="postgres://vetted:pw@db.example:5433/vetted")

    database = loaded["DATABASE"]
    assert database["ENGINE"] == "config.postgresql"  # Django's, with a cheaper health check
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == ("vetted", "vetted", "pw")
    assert (database["HOST"], database["PORT"]) == ("db.example", 5433)
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True


def test_conn_max_age_comes_from_the_environment():
    loaded = settings_for(DEBUG="1", DATABASE_URL="postgres://db/vetted", CONN_MAX_AGE="60")

    assert loaded["DATABASE"]["CONN_MAX_AGE"] == 60


def test_empty_urls_in_the_environment_mean_the_defaults():
    # An orchestrator's env file often declares a variable with no value ("CACHE_URL=").
    loaded = settings_for(DEBUG="1", DATABASE_URL="", CACHE_URL="", EMAIL_URL="")

    assert loaded["DATABASE"]["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["CACHE"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_a_conn_max_age_that_is_not_a_number_is_a_clear_error():
    result = import_settings(DEBUG="1", CONN_MAX_AGE="ten minutes")

    assert result.returncode != 0
    assert "CONN_MAX_AGE must be a whole number, not 'ten minutes'" in result.stderr


def test_a_bad_cache_url_stops_the_settings_with_a_clear_error():
    result = import_settings(DEBUG="1", CACHE_URL="memcached://127.0.0.1:11211")

    assert result.returncode != 0
    assert "ImproperlyConfigured: CACHE_URL scheme 'memcached' is not one of" in result.stderr


def test_the_cache_is_local_memory_by_default():
    assert settings_for(DEBUG="1")["CACHE"] == {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "vetted",
    }


def test_a_redis_cache_url_selects_the_redis_cache_with_the_key_prefix():
    assert cache_from_url("redis://127.0.0.1:6379/0") == {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": "vetted",
        "OPTIONS": {"timeout": 0.5},
    }


def test_a_tls_redis_cache_url_keeps_its_scheme():
    assert cache_from_url("rediss://cache.example:6380/1")["LOCATION"] == (
        "rediss://cache.example:6380/1"
    )


def test_a_redis_cache_reads_its_key_prefix_from_the_environment(monkeypatch):
    monkeypatch.setenv("CACHE_KEY_PREFIX", "vetted-staging")

    assert cache_from_url("redis://127.0.0.1:6379/0")["KEY_PREFIX"] == "vetted-staging"


def test_a_dummy_cache_url_turns_caching_off():
    assert cache_from_url("dummy://") == {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "127.0.0.1:6379", ""])
def test_a_cache_url_with_an_unknown_scheme_is_a_clear_error(url):
    with pytest.raises(ImproperlyConfigured, match=r"CACHE_URL scheme .* is not one of"):
        cache_from_url(url)


def test_email_goes_to_the_console_by_default():
    assert settings_for(DEBUG="1")["EMAIL_BACKEND"] == (
        "django.core.mail.backends.console.EmailBackend"
    )
    assert email_from_url("console://") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }


def test_an_smtp_email_url_with_tls_is_parsed_into_every_setting():
    assert email_from_url("smtp://mailer%40example.org:p%40ss@mail.example:587?tls=1") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mailer@example.org",
        "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_SSL": False,
        "EMAIL_USE_TLS": True,
    }


def test_an_smtps_email_url_uses_ssl_on_port_465_by_default():
    config = email_from_url("smtps://user:pw@mail.example")

    assert (config["EMAIL_PORT"], config["EMAIL_USE_SSL"], config["EMAIL_USE_TLS"]) == (
        465,
        True,
        False,
    )


def test_an_smtp_email_url_without_a_port_or_tls_uses_port_25_in_the_clear():
    config = email_from_url("smtp://relay.internal")

    assert (config["EMAIL_HOST"], config["EMAIL_PORT"]) == ("relay.internal", 25)
    assert (config["EMAIL_USE_SSL"], config["EMAIL_USE_TLS"]) == (False, False)
    assert (config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]) == ("", "")


def test_an_email_url_with_an_unknown_scheme_is_a_clear_error():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme 'sendmail' is not one of"):
        email_from_url("sendmail://localhost")


def test_production_settings_turn_on_https_redirect_hsts_and_secure_cookies():
    loaded = settings_for(SECRET_KEY="production-secret")

    assert loaded["DEBUG"] is False
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SECURE_HSTS_SECONDS"] == 31536000
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["ALLOWED_HOSTS"] == []


def test_debug_settings_leave_https_to_the_developer():
    loaded = settings_for(DEBUG="1")

    assert loaded["SECURE_SSL_REDIRECT"] is False
    assert loaded["SECURE_HSTS_SECONDS"] == 0
    assert loaded["SESSION_COOKIE_SECURE"] is False
    assert "127.0.0.1" in loaded["ALLOWED_HOSTS"]


def test_production_settings_let_a_load_balancer_poll_the_health_check_over_http():
    loaded = settings_for(SECRET_KEY="production-secret")

    assert loaded["SECURE_REDIRECT_EXEMPT"] == [r"^healthz$"]


def test_an_smtps_email_url_that_also_asks_for_starttls_is_a_clear_error():
    with pytest.raises(ImproperlyConfigured, match="not both"):
        email_from_url("smtps://mail.example?tls=1")


def test_an_smtp_email_url_with_a_port_that_is_not_a_number_is_a_clear_error():
    with pytest.raises(ImproperlyConfigured, match="port that is not a number"):
        email_from_url("smtp://mail.example:submission")


def test_redis_timeout_is_one_setting_for_the_cache_and_its_listener(monkeypatch):
    monkeypatch.setenv("REDIS_TIMEOUT", "0.25")
    entry = cache_from_url("redis://127.0.0.1:6379/0")
    assert entry["OPTIONS"] == {"timeout": 0.25}

    from config.cache import RedisCache

    backend = RedisCache(entry["LOCATION"], entry)
    kwargs = backend.client.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == kwargs["socket_connect_timeout"] == 0.25
    assert backend.listen(["vetted:x"]).socket_timeout == 0.25


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_redis_timeout_that_is_not_a_positive_number_is_refused(monkeypatch, value):
    monkeypatch.setenv("REDIS_TIMEOUT", value)
    with pytest.raises(ImproperlyConfigured, match="REDIS_TIMEOUT must be a positive number"):
        cache_from_url("redis://127.0.0.1:6379/0")


# --- TRUSTED_PROXIES (issue 13, item 7) --------------------------------------------------------


def test_no_proxy_is_trusted_by_default():
    assert settings_for(SECRET_KEY="x")["TRUSTED_PROXIES"] == []


def test_trusted_proxies_are_addresses_and_cidr_ranges_separated_by_commas():
    trusted = settings_for(
        SECRET_KEY="x", TRUSTED_PROXIES=" 127.0.0.1, 10.0.0.0/8,,2001:db8::/32 "
    )["TRUSTED_PROXIES"]

    assert trusted == ["127.0.0.1/32", "10.0.0.0/8", "2001:db8::/32"]


@pytest.mark.parametrize(
    "entry", ["nginx.internal", "10.0.0.300", "10.0.0.0/33", "10.0.0.5/24", "0.0.0.0/0", "::/0"]
)
def test_a_trusted_proxy_that_is_not_an_address_or_range_refuses_to_start_naming_it(entry):
    result = import_settings(SECRET_KEY="x", TRUSTED_PROXIES=f"127.0.0.1,{entry}")

    assert result.returncode != 0
    assert f"ImproperlyConfigured: TRUSTED_PROXIES: {entry!r}" in result.stderr
