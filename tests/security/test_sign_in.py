"""Admin sign-in: throttled per (account, client) by django-axes (config/signin.py), with the
client found through trusted proxies (config/clients.py), and where sign-in leads."""

from datetime import timedelta

import pytest
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.db import OperationalError
from django.db.models import F
from django.test import Client
from django.urls import reverse

from config.clients import parse_networks
from tests import factories

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
LIMIT = 5
PROXY = "10.0.0.2"  # nginx, in front of gunicorn as docs/operations.md deploys it
LOCKED = "Too many failed sign-in attempts for this account."
WRONG = "Please enter the correct username and password"


def sign_in(client, username, password, address="203.0.113.7", forwarded=None, next="/admin/"):
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": next},
        REMOTE_ADDR=address,
        **headers,
    )


def signed_in(client):
    return "_auth_user_id" in client.session


def let_time_pass(delta):
    """Age every counted failure by `delta`, as if that much time had passed."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)


@pytest.fixture
def staff(db):
    return factories.EditorFactory(username="ed")


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = parse_networks(PROXY)


def test_five_failures_lock_the_account_from_that_client_even_with_the_right_password(staff):
    client = Client()
    for _ in range(LIMIT - 1):
        response = sign_in(client, "ed", "wrong")
        assert response.status_code == 200
        assert WRONG in response.text

    fifth = sign_in(client, "ed", "wrong")
    refused = sign_in(client, "ed", PASSWORD)

    assert fifth.status_code == 429
    assert refused.status_code == 429
    assert not signed_in(client)
    assert f"{LOCKED} Wait 15 minutes before trying again." in refused.text
    assert refused["Retry-After"] == str(15 * 60)


def test_the_lock_is_shown_on_the_admins_own_sign_in_page(staff):
    client = Client()
    for _ in range(LIMIT):
        sign_in(client, "ed", "wrong", next="/admin/articles/")

    page = sign_in(client, "ed", PASSWORD, next="/admin/articles/")

    assert page.status_code == 429
    assert page.templates[0].name == "admin/login.html"
    assert 'id="login-form"' in page.text
    assert 'name="next" value="/admin/articles/"' in page.text
    assert WRONG not in page.text
    assert PASSWORD not in page.text


def test_the_lock_names_the_minutes_left_and_lifts_when_the_time_passes(staff):
    client = Client()
    for _ in range(LIMIT):
        sign_in(client, "ed", "wrong")

    let_time_pass(timedelta(minutes=14, seconds=1))
    assert "Wait 1 minute before" in sign_in(client, "ed", PASSWORD).text
    assert not signed_in(client)

    # Attempts during the lock are not counted, so they do not make it last longer.
    let_time_pass(timedelta(seconds=60))
    response = sign_in(client, "ed", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_four_failures_then_the_right_password_signs_in_and_resets_the_count(staff):
    client = Client()
    for _ in range(LIMIT - 1):
        sign_in(client, "ed", "wrong")

    assert sign_in(client, "ed", PASSWORD).status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        sign_in(client, "ed", "wrong")
    assert sign_in(client, "ed", PASSWORD).status_code == 302


def test_the_lock_is_per_account_and_client(staff):
    other = factories.EditorFactory(username="ed2")
    for _ in range(LIMIT):
        sign_in(Client(), "ed", "wrong", address="203.0.113.7")

    assert sign_in(Client(), "ed", PASSWORD, address="198.51.100.9").status_code == 302
    assert sign_in(Client(), other.username, PASSWORD, address="203.0.113.7").status_code == 302
    # The account is matched without regard to case or surrounding spaces.
    assert LOCKED in sign_in(Client(), " ED ", PASSWORD).text


def test_unknown_accounts_are_throttled_too(db):
    for _ in range(LIMIT):
        sign_in(Client(), "nobody", "guess")

    assert LOCKED in sign_in(Client(), "nobody", "guess").text


# --- Behind a proxy (issue 13, item 7) ---------------------------------------------------------


def test_behind_a_trusted_proxy_a_stranger_cannot_lock_out_a_board_member(
    board_member, behind_proxy
):
    # The outside test's attack: every wrong password sent with an X-Forwarded-For of its own.
    for n in range(LIMIT + 2):
        sign_in(Client(), "bea", "wrong", address=PROXY, forwarded=f"198.51.100.{n}")
    # And from one address, which locks that address only.
    for _ in range(LIMIT):
        sign_in(Client(), "bea", "wrong", address=PROXY, forwarded="192.0.2.66")

    member = Client()
    response = sign_in(member, "bea", PASSWORD, address=PROXY, forwarded="203.0.113.7")

    assert response.status_code == 302, response.text[:300]
    assert signed_in(member)
    still_locked = sign_in(Client(), "bea", PASSWORD, address=PROXY, forwarded="192.0.2.66")
    assert LOCKED in still_locked.text


def test_a_client_cannot_dodge_its_lock_by_sending_x_forwarded_for_itself(staff, behind_proxy):
    # Not through the proxy: the header is the client's own word, and its address is the peer.
    for n in range(LIMIT):
        sign_in(Client(), "ed", "wrong", address="192.0.2.66", forwarded=f"198.51.100.{n}, {PROXY}")
    # Through the proxy: nginx appends the address it saw, and only that one counts.
    for n in range(LIMIT):
        sign_in(Client(), "ed", "wrong", address=PROXY, forwarded=f"198.51.100.{n}, 192.0.2.77")

    assert LOCKED in sign_in(Client(), "ed", PASSWORD, address="192.0.2.66").text
    assert LOCKED in sign_in(Client(), "ed", PASSWORD, address=PROXY, forwarded="192.0.2.77").text


# --- When the counter cannot be read -------------------------------------------------------------


def test_sign_in_fails_closed_when_the_failure_count_cannot_be_read(staff, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(AxesDatabaseHandler, "get_failures", unreachable)
    client = Client(raise_request_exception=False)

    response = sign_in(client, "ed", PASSWORD)

    assert response.status_code == 503
    assert "temporarily unavailable" in response.text
    assert not signed_in(client)


# --- Where sign-in leads (issue 13, item 13a) ---------------------------------------------------


@pytest.mark.parametrize(
    "refused", ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)"]
)
def test_a_refused_next_page_after_signing_in_leads_to_the_admin(staff, refused):
    response = sign_in(Client(), "ed", PASSWORD, next=refused)

    assert response.status_code == 302
    assert response.url == "/admin/"


def test_an_allowed_next_page_after_signing_in_is_kept(staff):
    response = sign_in(Client(), "ed", PASSWORD, next="/admin/articles/")

    assert response.url == "/admin/articles/"
