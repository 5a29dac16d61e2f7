"""config.cache.RedisCache keeps Django's cache API on the real Redis (database 10)."""

import uuid

import pytest
import redis

from config.cache import CACHE_ERRORS, RedisCache

URL = "redis://127.0.0.1:6379/10"


@pytest.fixture
def backend():
    try:
        redis.Redis.from_url(URL, socket_timeout=1).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis must run on 127.0.0.1:6379 for these tests: {error}")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    cache = RedisCache(URL, {"KEY_PREFIX": prefix, "OPTIONS": {"timeout": 0.5}})
    yield cache
    keys = cache.client.keys(f"{prefix}:*")
    if keys:
        cache.client.delete(*keys)


def test_values_round_trip_and_whole_numbers_stay_redis_integers(backend):
    backend.set("page", ("tokens", b"<html>"), 60)
    backend.set("count", 3, 60)

    assert backend.get("page") == ("tokens", b"<html>")
    assert backend.client.get(backend.make_key("count")) == b"3"
    assert backend.incr("count", 2) == 5
    assert backend.get("missing", "default") == "default"


def test_add_writes_only_a_missing_key(backend):
    assert backend.add("token", "first", None)
    assert not backend.add("token", "second", None)
    assert backend.get("token") == "first"
    assert backend.client.ttl(backend.make_key("token")) == -1  # None keeps it for ever


def test_timeouts_expire_and_zero_deletes(backend):
    backend.set("short", "x", 30)
    assert 0 < backend.client.ttl(backend.make_key("short")) <= 30
    backend.set("short", "x", 0)
    assert not backend.has_key("short")
    assert backend.touch("gone", 10) is False


def test_many_at_once(backend):
    backend.set_many({"a": 1, "b": "two"}, 60)

    assert backend.get_many(["a", "b", "c"]) == {"a": 1, "b": "two"}
    assert 0 < backend.client.ttl(backend.make_key("b")) <= 60
    backend.delete_many(["a", "b"])
    assert backend.get_many(["a", "b"]) == {}


def test_incr_of_a_missing_key_is_an_error_as_django_documents(backend):
    with pytest.raises(ValueError, match="not found"):
        backend.incr("nothing")
    assert not backend.has_key("nothing")


def test_an_unreachable_redis_raises_a_cache_error_within_the_timeout():
    # Nothing listens on port 1 of loopback: the connection is refused at once.
    cache = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"timeout": 0.5}})
    with pytest.raises(CACHE_ERRORS):
        cache.get("anything")
