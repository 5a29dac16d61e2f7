"""When Redis cannot be reached the site still answers, and a change it missed is not lost.

Each test starts a private redis-server of its own on a free loopback port (nothing is mocked):
"refused" stops it, "hung" pauses it with SIGSTOP so connections open but nothing answers.
"""

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from unittest import mock

import pytest
import redis
from django.core.cache import caches
from django.test import Client

from articles.models import Question
from publishing import pagecache
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/articles/bones/"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--save", "",
                "--appendonly", "no",
                "--dir", str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.client = redis.Redis.from_url(self.url, socket_timeout=2)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.05)

    def pause(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self):
        if self.process.poll() is None:
            self.resume()
            self.process.terminate()
            self.process.wait(timeout=10)


def forget_outage(monkeypatch):
    """As if the cache had not failed lately (Outage.SKIP_FOR seconds have passed)."""
    monkeypatch.setattr(pagecache, "outage", pagecache.Outage())


@pytest.fixture
def private_redis(tmp_path, settings, monkeypatch):
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") or os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("redis-server is not installed, and CI needs it.")
        pytest.skip("needs redis-server")
    server = PrivateRedis(tmp_path)
    options = dict(settings.CACHES["default"].get("OPTIONS", {}))
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
            # The timeouts production uses (config.settings.cache_from_url).
            "OPTIONS": {"timeout": 0.5, **options},
        }
    }
    # This process's record of failures and missed changes, fresh for each test.
    forget_outage(monkeypatch)
    monkeypatch.setattr(pagecache, "pending_tokens", pagecache.PendingTokens())
    yield server
    server.stop()


@pytest.fixture
def article(editor, audiences):
    return factories.ArticleFactory(
        created_by=editor,
        slug="bones",
        title="Does vitamin D help bones?",
        body="First wording.\n",
    )


def approve_new_wording(article, editor, board_member, wording, capture):
    factories.save_as(editor, article, body=f"{wording}\n")
    with capture(execute=True):
        factories.approve(article, editor=editor, board_member=board_member)


@contextlib.contextmanager
def count_redis_calls():
    """Count the page cache's lookups that reached Redis (each is one get_many), in a list."""
    calls = [0]
    real = pagecache._lookup

    def counted(*args):
        calls[0] += 1
        return real(*args)

    with mock.patch.object(pagecache, "_lookup", counted):
        yield calls


def article_token(server):
    key = caches["default"].make_key(pagecache.article_key("bones"))
    return server.client.get(key)


def test_pages_are_rendered_while_redis_refuses_connections(
    client, private_redis, approved, caplog
):
    assert b"First wording." in client.get(URL).content  # cached now
    private_redis.stop()

    with (
        caplog.at_level(logging.WARNING, logger="publishing.pagecache"),
        count_redis_calls() as calls,
    ):
        responses = [client.get(URL) for _ in range(5)]

    assert [response.status_code for response in responses] == [200] * 5
    assert all(b"First wording." in response.content for response in responses)
    assert calls == [1]  # the first request tried Redis; the next four skipped it
    warnings = [record for record in caplog.records if "cannot be reached" in record.message]
    assert len(warnings) == 1  # once, not once a request
    assert pagecache.outage.skipping()


def test_a_hung_redis_costs_one_timeout_then_is_skipped(client, private_redis, approved):
    private_redis.pause()  # before this process has a connection or a local copy

    with count_redis_calls() as calls:
        first = client.get(URL)  # answered after one socket timeout, not gunicorn's 60 s
        later = [client.get(URL) for _ in range(10)]
    private_redis.resume()

    assert first.status_code == 200 and b"First wording." in first.content
    assert [response.status_code for response in later] == [200] * 10
    assert calls == [1]  # one lookup waited for the timeout; later ones skipped the cache
    assert pagecache.outage.skipping()


def test_an_approval_made_while_redis_hangs_shows_at_once_and_after_it_returns(
    client,
    private_redis,
    approved,
    editor,
    board_member,
    django_capture_on_commit_callbacks,
    caplog,
    monkeypatch,
):
    assert b"First wording." in client.get(URL).content
    assert b"First wording." in client.get(URL).content  # now served from the cache
    token_before = article_token(private_redis)
    private_redis.pause()

    with caplog.at_level(logging.WARNING, logger="publishing.pagecache"):
        approve_new_wording(
            approved.article, editor, board_member, "Second wording.",
            django_capture_on_commit_callbacks,
        )  # fmt: skip
        during = client.get(URL)
    assert during.status_code == 200 and b"Second wording." in during.content
    assert any("could not take a change" in record.message for record in caplog.records)
    assert pagecache.pending_tokens.held()

    private_redis.resume()
    assert pagecache.pending_tokens.wait_until_written(timeout=10)

    # The change reached Redis without any request asking for it: another server reading
    # the token now sees the new one, and no page stored under the old one matches it.
    assert not pagecache.pending_tokens.held()
    assert article_token(private_redis) not in (None, token_before)
    forget_outage(monkeypatch)
    for _ in range(3):
        after = client.get(URL)
        assert after.status_code == 200
        assert b"Second wording." in after.content
        assert b"First wording." not in after.content


def test_a_disclaimer_change_missed_while_redis_is_down_is_written_when_it_returns(
    client, private_redis, approved, django_capture_on_commit_callbacks, monkeypatch
):
    client.get(URL)
    private_redis.pause()
    with django_capture_on_commit_callbacks(execute=True):
        factories.DisclaimerFactory(body="A new warning for every page.")
    assert pagecache.pending_tokens.held()
    private_redis.resume()
    assert pagecache.pending_tokens.wait_until_written(timeout=10)

    forget_outage(monkeypatch)
    assert b"A new warning for every page." in client.get(URL).content


def test_a_question_is_taken_without_its_rate_limit_while_redis_is_down(
    client, private_redis, approved
):
    private_redis.stop()

    response = client.post(f"{URL}questions/", {"text": "Can I take it with food?"})

    assert response.status_code == 302
    assert Question.objects.get().text == "Can I take it with food?"


def test_admin_sign_in_works_and_stays_throttled_while_redis_is_down(private_redis, editor):
    # The sign-in counter lives in the database (config/signin.py), so a Redis outage neither
    # locks staff out nor leaves accounts unthrottled.
    private_redis.stop()

    for _ in range(5):
        Client().post(
            "/admin/login/?next=/admin/", {"username": editor.username, "password": "wrong"}
        )
    locked = Client().post(
        "/admin/login/?next=/admin/",
        {"username": editor.username, "password": "correct-horse-battery"},
    )
    member = Client()
    from_elsewhere = member.post(
        "/admin/login/?next=/admin/",
        {"username": editor.username, "password": "correct-horse-battery"},
        REMOTE_ADDR="198.51.100.9",
    )

    assert locked.status_code == 429
    assert "Too many failed sign-in attempts for this account" in locked.content.decode()
    assert from_elsewhere.status_code == 302
    assert member.session["_auth_user_id"] == str(editor.pk)
