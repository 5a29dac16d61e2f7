"""Vetted's Redis cache backend: Django's, plus two things the article page's cache needs.

1. One redis-py client per connection pool. Django's RedisCacheClient builds a fresh
   `redis.Redis` for every get and set, and building one fills a table of about 170 response
   callbacks: about a third of a millisecond here, more than the round trip it wraps.
2. Invalidation listeners. `listen(prefixes)` opens one connection per process on which Redis
   reports every later change to a key under those prefixes (server-assisted tracking in
   broadcast mode, Redis 6 and later). A process can then keep its own copy of such keys and
   still see a change made by any other server as soon as Redis has made it.
"""

import contextlib
import logging
import math
import os
import time

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

INVALIDATION_CHANNEL = "__redis__:invalidate"


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    def location_identity(self):
        """What tells this cache's data apart from another's: servers, prefix and version."""
        return (tuple(self._servers), self.key_prefix, self.version)

    def listen(self, prefixes):
        """An InvalidationListener for the keys (as given to this cache) under `prefixes`."""
        return InvalidationListener(
            self._servers[0], [self.make_and_validate_key(prefix) for prefix in prefixes]
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
    SOCKET_TIMEOUT = 1.0

    def __init__(self, url, prefixes):
        self.url, self.prefixes = url, prefixes
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
                self.url, protocol=2, socket_timeout=self.SOCKET_TIMEOUT
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
