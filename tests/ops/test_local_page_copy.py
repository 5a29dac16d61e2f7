"""Each app-server process keeps its own copy of cached pages, and Redis keeps it honest.

These run against the real Redis at 127.0.0.1:6379 (database 8, a prefix of their own). The
"other server" is a second, separate Redis connection writing a token, exactly what another app
server's commit does; tests/bench/test_two_servers.py shows the same with two real servers.
"""

import math
import os
import uuid

import pytest
import redis
from django.core.cache import cache, caches

from bench import lib
from publishing import pagecache
from tests import factories

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/8"
URL = "/articles/bones/"


@pytest.fixture
def redis_cache(settings):
    if not lib.redis_answers():
        if os.environ.get("CI") or os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("Redis does not answer at 127.0.0.1:6379, and CI needs it.")
        pytest.skip("needs Redis at 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        }
    }
    cache.clear()
    yield caches["default"]
    cache.clear()


@pytest.fixture
def other_server():
    """A separate connection to the same Redis, as another app server has."""
    connection = redis.Redis.from_url(REDIS_URL)
    yield connection
    connection.close()


@pytest.fixture
def article(editor, audiences):
    return factories.ArticleFactory(
        created_by=editor,
        slug="bones",
        body="Shared fact.\n\n::: audience clinician\nWords for clinicians.\n:::\n",
    )


def commit_elsewhere(redis_cache, other_server, token):
    """Replace the article's token as another server's commit does, on its own connection."""
    key = redis_cache.make_key(pagecache.article_key("bones"))
    other_server.set(key, redis_cache.encode(token))


def reads(other_server):
    """How many reading commands Redis has answered so far, from anyone."""
    stats = other_server.info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("get", "mget"))


def test_a_repeated_hit_is_answered_without_asking_redis(
    client, redis_cache, approved, other_server, django_assert_num_queries
):
    first = client.get(URL)
    client.get(URL)  # the first request made the tokens, and Redis reports every write
    before = reads(other_server)
    with django_assert_num_queries(0):
        again = client.get(URL)
    assert reads(other_server) == before
    assert again.content == first.content


def test_a_token_written_by_another_server_is_seen_at_once(
    client, redis_cache, approved, other_server
):
    client.get(URL)
    assert pagecache.lookup("bones", pagecache.DEFAULT_AUDIENCE).page is not None
    commit_elsewhere(redis_cache, other_server, "another-token")
    found = pagecache.lookup("bones", pagecache.DEFAULT_AUDIENCE)
    assert found.page is None
    assert found.tokens[1] == "another-token"


def test_a_flushed_redis_leaves_no_copy_trusted(client, redis_cache, approved, other_server):
    client.get(URL)
    other_server.flushdb()
    found = pagecache.lookup("bones", pagecache.DEFAULT_AUDIENCE)
    assert found.page is None
    assert None not in found.tokens


def test_without_its_listener_a_process_asks_redis_until_it_reconnects(
    client, redis_cache, approved, other_server, monkeypatch
):
    client.get(URL)
    client.get(URL)
    clients = other_server.client_list()
    listeners = [entry for entry in clients if "P" in entry["flags"] and entry["db"] == "8"]
    assert listeners, "the process should be listening for invalidations"
    for entry in listeners:
        other_server.client_kill_filter(_id=entry["id"])
    before = reads(other_server)
    assert client.get(URL).status_code == 200
    assert reads(other_server) == before + 1  # served, but checked with Redis
    monkeypatch.setattr("config.cache.InvalidationListener.RETRY_SECONDS", 0.0)
    pagecache._copies[redis_cache.location_identity()].listener.retry_at = 0.0
    client.get(URL)  # reconnects (and so trusts nothing it held)
    before = reads(other_server)
    client.get(URL)
    assert reads(other_server) == before


def test_tokens_are_read_again_after_their_maximum_age(
    client, redis_cache, approved, other_server, monkeypatch
):
    monkeypatch.setattr(pagecache.LocalCopy, "MAX_AGE", -1.0)
    client.get(URL)
    client.get(URL)
    before = reads(other_server)
    client.get(URL)
    assert reads(other_server) == before + 1


def test_the_copy_holds_a_bounded_number_of_pages(client, redis_cache, approved, monkeypatch):
    monkeypatch.setattr(pagecache.LocalCopy, "MAX_PAGES", 2)
    for audience in ["patient", "caregiver", "student", "clinician"]:
        client.get(URL, {"audience": audience})
    assert len(pagecache._copies[redis_cache.location_identity()]._pages) == 2


def test_a_page_rendered_before_another_servers_change_is_not_kept(
    client, redis_cache, approved, other_server
):
    slow = pagecache.lookup("bones", pagecache.DEFAULT_AUDIENCE)  # tokens read, then a render
    commit_elsewhere(redis_cache, other_server, "newer")
    slow.store(pagecache.CachedPage(etag='"x"', last_modified=0, audience="patient", html=b"stale"))
    assert pagecache.lookup("bones", pagecache.DEFAULT_AUDIENCE).page is None
    assert client.get(URL).content != b"stale"


def test_a_redis_that_refuses_tracking_is_not_asked_again(redis_cache, caplog):
    # Overlapping prefixes are refused by Redis itself, as CLIENT TRACKING is by Redis < 6.
    listener = redis_cache.listen(["vetted:overlap", "vetted:overlap:more"])
    assert listener.changes() == listener.UNAVAILABLE
    assert "refuses invalidation tracking" in caplog.text
    assert listener.retry_at == math.inf
    assert listener.changes() == listener.UNAVAILABLE
    assert listener.connection is None


def test_with_the_copy_switched_off_every_hit_asks_redis(
    client, redis_cache, approved, other_server, settings
):
    settings.PAGE_LOCAL_COPY = False
    first = client.get(URL)
    before = reads(other_server)
    again = client.get(URL)
    assert reads(other_server) == before + 1  # one get_many of the tokens and the page
    assert again.content == first.content
    assert pagecache.local_copy() is None
