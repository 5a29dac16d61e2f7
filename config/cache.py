"""Vetted's cache plumbing: the Redis cache backend, what a cache outage raises, and the
invalidation listener that lets each process keep its own copy of pages.

RedisCache is a cache backend on public APIs only: Django's BaseCache for keys and timeouts, and
one redis-py client per backend made from the settings (the URL in CACHE_URL and the one
timeout REDIS_TIMEOUT, which bounds connecting, every command and the listener's reads). A
Redis that stops answering therefore costs at most that long before callers see CACHE_ERRORS.

`listen(prefixes)` opens one connection per process on which Redis reports every later change
to a key under those prefixes (server-assisted tracking in broadcast mode, Redis 6 and later).
A process can then keep its own copy of such keys and still see a change made by any other
server as soon as Redis has made it.
"""

import contextlib
import logging
import math
import os
import pickle
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

logger = logging.getLogger(__name__)

INVALIDATION_CHANNEL = "__redis__:invalidate"

# What a cache that cannot be reached raises: refused, timed out, out of memory, read-only.
CACHE_ERRORS = (redis.exceptions.RedisError,)


class RedisCache(BaseCache):
    """Django's cache API over one redis-py client.

    Values are pickled, except whole numbers, which are stored as Redis integers so that
    incr() works on them (as Django's own Redis backend does). OPTIONS: `timeout`, in seconds.
    """

    def __init__(self, server, params):
        super().__init__(params)
        self.url = server
        self.socket_timeout = float(params.get("OPTIONS", {}).get("timeout", 0.5))
        self.client = redis.Redis.from_url(
            server,
            socket_timeout=self.socket_timeout,
            socket_connect_timeout=self.socket_timeout,
        )

    # --- values ------------------------------------------------------------------------------

    @staticmethod
    def encode(value):
        if type(value) is int:
            return value
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def decode(data):
        try:
            return int(data)
        except ValueError:
            return pickle.loads(data)  # only this backend writes the keys it reads

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        """Seconds to keep a key: None keeps it for ever, 0 deletes it."""
        if timeout == DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return None if timeout is None else max(0, int(timeout))

    # --- the cache API -----------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout == 0:
            return False
        return bool(self.client.set(key, self.encode(value), ex=timeout, nx=True))

    def get(self, key, default=None, version=None):
        data = self.client.get(self.make_and_validate_key(key, version=version))
        return default if data is None else self.decode(data)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout == 0:
            self.client.delete(key)
        else:
            self.client.set(key, self.encode(value), ex=timeout)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            return bool(self.client.persist(key))
        return bool(self.client.expire(key, timeout))

    def delete(self, key, version=None):
        return bool(self.client.delete(self.make_and_validate_key(key, version=version)))

    def get_many(self, keys, version=None):
        keys = list(keys)
        if not keys:
            return {}
        made = {self.make_and_validate_key(key, version=version): key for key in keys}
        values = self.client.mget(list(made))
        return {
            made[full]: self.decode(data)
            for full, data in zip(made, values, strict=True)
            if data is not None
        }

    def has_key(self, key, version=None):
        return bool(self.client.exists(self.make_and_validate_key(key, version=version)))

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        # INCRBY creates a missing key; Django's API says a missing key is an error.
        if not self.client.exists(key):
            raise ValueError(f"Key '{key}' not found.")
        return self.client.incr(key, delta)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        timeout = self.get_backend_timeout(timeout)
        values = {
            self.make_and_validate_key(key, version=version): self.encode(value)
            for key, value in data.items()
        }
        with self.client.pipeline() as pipeline:
            if timeout == 0:
                pipeline.delete(*values)
            else:
                pipeline.mset(values)
                if timeout is not None:
                    for key in values:
                        pipeline.expire(key, timeout)
            pipeline.execute()
        return []

    def delete_many(self, keys, version=None):
        keys = [self.make_and_validate_key(key, version=version) for key in keys]
        if keys:
            self.client.delete(*keys)

    def clear(self):
        return bool(self.client.flushdb())

    # --- the page cache's needs --------------------------------------------------------------

    def location_identity(self):
        """What tells this cache's data apart from another's: server, prefix and version."""
        return (self.url, self.key_prefix, self.version)

    def listen(self, prefixes):
        """An InvalidationListener for the keys (as given to this cache) under `prefixes`."""
        return InvalidationListener(
            self.url,
            [self.make_and_validate_key(prefix) for prefix in prefixes],
            socket_timeout=self.socket_timeout,
        )


class InvalidationListener:
    """Changes to tracked keys, as Redis reports them on a connection of this process's own.

    `changes()` returns the keys changed since the last call, ALL when Redis may have changed
    any of them (a flush, a lost or new connection), or UNAVAILABLE while Redis cannot be
    reached; callers must then trust no copy they hold. It never blocks.
    """

    ALL = "all"
    UNAVAILABLE = "unavailable"
    RETRY_SECONDS = 5.0

    def __init__(self, url, prefixes, *, socket_timeout):
        self.url, self.prefixes = url, prefixes
        self.socket_timeout = socket_timeout
        self.connection = None
        self.pid = None
        self.retry_at = 0.0

    def changes(self):
        if self.connection is None or self.pid != os.getpid():
            return self._connect()
        changed = set()
        try:
            while self.connection.can_read(timeout=0):
                message = self.connection.read_response()
                if message[0] != b"message":
                    continue
                if message[2] is None:  # FLUSHDB, FLUSHALL
                    return self.ALL
                changed.update(key.decode() for key in message[2])
        except (redis.RedisError, OSError) as error:
            logger.warning("Lost the Redis invalidation connection: %s", error)
            self._close()
            return self.UNAVAILABLE
        return changed

    def _connect(self):
        """Open and subscribe the connection; every key may have changed while there was none."""
        if time.monotonic() < self.retry_at:
            return self.UNAVAILABLE
        self.connection, self.pid = None, os.getpid()  # a forked child never reuses a parent's
        try:
            # RESP2, where invalidations arrive as pub/sub messages; a timeout so a half-sent
            # message from a dying server cannot hang a request.
            pool = redis.ConnectionPool.from_url(
                self.url,
                protocol=2,
                socket_timeout=self.socket_timeout,
                socket_connect_timeout=self.socket_timeout,
            )
            connection = pool.make_connection()
            connection.connect()
            connection.send_command("CLIENT", "ID")
            client_id = connection.read_response()
            prefixes = [word for prefix in self.prefixes for word in ("PREFIX", prefix)]
            connection.send_command(
                "CLIENT", "TRACKING", "ON", "REDIRECT", client_id, "BCAST", *prefixes
            )
            connection.read_response()
            connection.send_command("SUBSCRIBE", INVALIDATION_CHANNEL)
            connection.read_response()
        except redis.ResponseError as error:
            # Redis answered and refused (older than 6, or an ACL without CLIENT): asking again
            # will not help. Pages are still cached, with one round trip per hit.
            logger.error("Redis refuses invalidation tracking; not retrying: %s", error)
            self.retry_at = math.inf
            return self.UNAVAILABLE
        except (redis.RedisError, OSError) as error:
            logger.warning("No Redis invalidation connection (retrying later): %s", error)
            self.retry_at = time.monotonic() + self.RETRY_SECONDS
            return self.UNAVAILABLE
        self.connection = connection
        return self.ALL

    def _close(self):
        if self.connection is not None:
            with contextlib.suppress(redis.RedisError, OSError):
                self.connection.disconnect()
        self.connection = None
        self.retry_at = time.monotonic() + self.RETRY_SECONDS
