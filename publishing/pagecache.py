"""The shared cache of rendered article pages.

A cached page is looked up by (slug, audience) together with two generation tokens:

- the site token changes when site-wide content on every page changes (disclaimers);
- the article token changes when what readers see of one article changes (every workflow
  transition, and saving the article's slug, review interval or pending-publication setting).

Each page is stored with the tokens that were current *before* its data was read from the
database. Tokens change only after the writing transaction commits, so a page rendered from
data read before a change carries an old token and is never served after it. Tokens are random,
not counters, so losing them (a flushed cache) can never make an old page look current.

On Redis (config.cache), each process also keeps its own copy of the tokens and of the pages it
served last, and Redis reports every change to a token on a connection the process listens on
(see config.cache.InvalidationListener). A hit then costs no round trip at all, and a change
made through any app server still shows at once on every other. Elsewhere a hit costs one
get_many; with the dummy cache every request renders.

What is stored for a (slug, audience) is the complete response: the page's HTML and every
header the middleware stack added when it was first served to an anonymous reader
(CachedPage.headers), so publishing.middleware answers a hit before the rest of the stack runs.

When Redis cannot be reached the site still answers: a lookup finds nothing, so every page is
rendered from the database and nothing is stored. A token change that cannot be written when
its transaction commits is kept and written again every second until Redis takes it (see
PendingTokens); until then this process serves no cached page, so it never serves one its own
change made stale.
"""

import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.utils.http import http_date

from config.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)

SITE_KEY = "vetted:page-generation"
ARTICLE_KEY_PREFIX = "vetted:article-generation:"
PAGE_TIMEOUT = 24 * 3600
DEFAULT_AUDIENCE = ""  # the page shown to readers who have not chosen an audience


def article_key(slug):
    return f"{ARTICLE_KEY_PREFIX}{slug}"


def page_key(slug, audience):
    # The number changes with the shape of what is stored, so a new release never unpickles
    # an older release's pages.
    return f"vetted:article-page:3:{slug}:{audience}"


@dataclass(frozen=True)
class CachedPage:
    etag: str  # a digest of the HTML
    last_modified: float  # a POSIX timestamp
    audience: str  # the audience it is written for (never DEFAULT_AUDIENCE)
    html: bytes
    # The complete response's headers, as the whole middleware stack left them, once the page
    # has been served to an anonymous reader (publishing.middleware); () until then.
    headers: tuple = ()
    secure: bool = False  # whether those headers were made for an HTTPS request

    @cached_property
    def last_modified_header(self):
        return http_date(self.last_modified)

    @cached_property
    def header_store(self):
        """`headers` as django.http.ResponseHeaders keeps them: lower-case name -> (name, value)."""
        return {name.lower(): (name, value) for name, value in self.headers}


@dataclass(frozen=True)
class Lookup:
    """What the cache held for a (slug, audience) request."""

    slug: str
    audience: str
    tokens: tuple  # (site token, article token), read before the page's data is read
    page: CachedPage | None

    def store(self, page):
        """Cache `page` for this request's audience under the looked-up tokens."""
        if None in self.tokens:  # a cache that keeps nothing, or one that cannot be reached
            return
        key = page_key(self.slug, self.audience)
        try:
            cache.set(key, (self.tokens, page), PAGE_TIMEOUT)
        except CACHE_ERRORS as error:
            outage.failed(error)
            return
        copy = local_copy()
        if copy is not None:
            copy.remember_page(key, self.tokens, page)


def lookup(slug, audience):
    """The cached page for `slug` and `audience` (DEFAULT_AUDIENCE for none chosen), if current.

    Call it before reading the page's data from the database: the tokens it returns are the
    ones a page rendered from that data must be stored under.
    """
    nothing = Lookup(slug, audience, (None, None), None)  # render, and store nothing
    if outage.skipping() or pending_tokens.held():
        return nothing
    try:
        return _lookup(slug, audience)
    except CACHE_ERRORS as error:
        outage.failed(error)
        return nothing


def _lookup(slug, audience):
    keys = (SITE_KEY, article_key(slug))
    key = page_key(slug, audience)
    copy = local_copy()
    if copy is not None and copy.sync():
        tokens = copy.tokens(keys)
        if tokens is not None:
            page = copy.page(key, tokens)
            if page is not None:
                return Lookup(slug, audience, tokens, page)
    else:
        copy = None  # not listening now: trust nothing held locally

    found = cache.get_many([*keys, key])
    tokens = tuple(found.get(name) for name in keys)
    if None in tokens:
        # Lost or never made: create them now, before the caller reads the database. No page
        # can be current under tokens that did not exist.
        for name, token in zip(keys, tokens, strict=True):
            if token is None:
                cache.add(name, _new_token(), timeout=None)
        found = cache.get_many(keys)
        tokens = tuple(found.get(name) for name in keys)
    if copy is not None and None not in tokens:
        copy.remember_tokens(keys, tokens)
    page = None
    if key in found:
        stored_tokens, stored_page = found[key]
        if stored_tokens == tokens:
            page = stored_page
            if copy is not None:
                copy.remember_page(key, tokens, page)
    return Lookup(slug, audience, tokens, page)


def forget_all_pages():
    """Make every cached page stale now (after a restore; see clear_page_cache).

    Raises the cache's error when it cannot be reached: the command says so and fails.
    """
    cache.set(SITE_KEY, _new_token(), timeout=None)


def site_changed(**kwargs):
    """Make every cached page stale once the current transaction commits (disclaimers)."""
    tokens = {SITE_KEY: _new_token()}
    transaction.on_commit(lambda: change_tokens(tokens))


def articles_changed(*slugs):
    """Make the cached pages of these article addresses stale once the transaction commits."""
    tokens = {article_key(slug): _new_token() for slug in slugs}
    transaction.on_commit(lambda: change_tokens(tokens))


def change_tokens(tokens):
    """Write new tokens; when the cache cannot take them, keep them for PendingTokens."""
    try:
        cache.set_many(tokens, timeout=None)
    except CACHE_ERRORS as error:
        logger.error(
            "The page cache could not take a change (%s: %s); this process serves no cached "
            "page until it has written it, and retries every %s s.",
            type(error).__name__,
            error,
            PendingTokens.RETRY_EVERY,
        )
        pending_tokens.add(tokens)


def _new_token():
    return uuid.uuid4().hex


class PendingTokens:
    """Token changes a committed transaction could not write to the cache, written later.

    While any is held, lookups in this process find nothing (pages are rendered and not
    stored), and a thread writes them again every RETRY_EVERY seconds. Other servers may serve
    pages the change made stale until it is written (or for as long as they trust their local
    copy, LocalCopy.MAX_AGE); the error logged says when that began. After PAGE_TIMEOUT every
    page stored before the change has expired, so the thread stops trying then.
    """

    RETRY_EVERY = 1.0

    def __init__(self):
        self._tokens = {}
        self._lock = threading.Lock()
        self._retried = threading.Condition(self._lock)  # notified when the retrying ends
        self._retrying = False

    def held(self):
        return bool(self._tokens)

    def wait_until_written(self, timeout):
        """Block until no change is held (written, or given up); False if `timeout` passed."""
        with self._retried:
            return self._retried.wait_for(lambda: not self._tokens, timeout)

    def add(self, tokens):
        with self._lock:
            self._tokens.update(tokens)
            if self._retrying:
                return
            self._retrying = True
        threading.Thread(target=self._retry, name="page-cache-tokens", daemon=True).start()

    def _retry(self):
        deadline = time.monotonic() + PAGE_TIMEOUT
        while True:
            time.sleep(self.RETRY_EVERY)
            with self._lock:
                tokens = dict(self._tokens)
            try:
                cache.set_many(tokens, timeout=None)
            except CACHE_ERRORS:
                tokens = {}
            with self._lock:
                for key, token in tokens.items():
                    if self._tokens.get(key) == token:
                        del self._tokens[key]
                written = not self._tokens
                if not written and time.monotonic() < deadline:
                    continue
                self._tokens.clear()  # when not written: every page from before has expired
                self._retrying = False
                self._retried.notify_all()
            if written:
                logger.warning("The page cache has taken the changes it missed.")
            else:
                logger.error(
                    "The page cache did not take the changes it missed for %s h; every page "
                    "stored before them has expired, so this process uses the cache again.",
                    PAGE_TIMEOUT // 3600,
                )
            return


class Outage:
    """Whether the cache failed just now; lookups skip it for SKIP_FOR seconds after a failure,
    so a Redis that stopped answering costs one timeout every few seconds, not one a request."""

    SKIP_FOR = 5.0
    REPORT_EVERY = 60.0

    def __init__(self):
        self._skip_until = 0.0
        self._reported_at = -self.REPORT_EVERY

    def skipping(self):
        return time.monotonic() < self._skip_until

    def failed(self, error):
        now = time.monotonic()
        self._skip_until = now + self.SKIP_FOR
        if now - self._reported_at >= self.REPORT_EVERY:
            self._reported_at = now
            logger.warning(
                "The page cache cannot be reached (%s: %s); pages are rendered from the "
                "database for the next %s s, and the cache is tried again then.",
                type(error).__name__,
                error,
                self.SKIP_FOR,
            )


pending_tokens = PendingTokens()
outage = Outage()


class LocalCopy:
    """This process's copy of tokens and recently served pages, kept honest by Redis.

    Before every use, sync() applies the changes Redis reported; a token is dropped the moment
    Redis says it changed, and every page stored under the old token stops matching. As a
    second guard, a token is trusted for at most MAX_AGE seconds before it is read again.
    """

    MAX_PAGES = 200  # about 5 MB of pages per process
    MAX_AGE = 30.0

    def __init__(self, listener, full_key):
        self.listener = listener
        self.full_key = full_key  # the cache's own name for a key (its prefix and version)
        self._tokens = {}  # full key -> (token, when read)
        self._pages = OrderedDict()  # page key -> (tokens, CachedPage), least recently used first
        self._lock = threading.Lock()  # threads of one process share the copy

    def sync(self):
        """Apply the reported changes; False when none can be trusted (no connection)."""
        with self._lock:
            return self._sync()

    def _sync(self):
        changes = self.listener.changes()
        if changes in (self.listener.ALL, self.listener.UNAVAILABLE):
            self._tokens.clear()
            self._pages.clear()
            return changes == self.listener.ALL
        for key in changes:
            self._tokens.pop(key, None)
        return True

    def tokens(self, keys):
        now = time.monotonic()
        values = []
        for key in keys:
            held = self._tokens.get(self.full_key(key))
            if held is None or now - held[1] > self.MAX_AGE:
                return None
            values.append(held[0])
        return tuple(values)

    def page(self, key, tokens):
        with self._lock:
            held = self._pages.get(key)
            if held is None or held[0] != tokens:
                return None
            self._pages.move_to_end(key)
            return held[1]

    def remember_tokens(self, keys, tokens):
        now = time.monotonic()
        for key, token in zip(keys, tokens, strict=True):
            self._tokens[self.full_key(key)] = (token, now)

    def remember_page(self, key, tokens, page):
        with self._lock:
            self._pages[key] = (tokens, page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.MAX_PAGES:
                self._pages.popitem(last=False)


_copies = {}
_copies_lock = threading.Lock()


def local_copy():
    """This process's LocalCopy, or None when the cache cannot report changes (not Redis) or
    the copy is switched off (PAGE_LOCAL_COPY).

    One per process and cache location, shared by its threads: Django makes a cache object per
    thread, and a threaded server (runserver, live-server tests) starts a thread per request.
    """
    backend = caches["default"]
    if not settings.PAGE_LOCAL_COPY or not hasattr(backend, "listen"):
        return None
    identity = backend.location_identity()
    copy = _copies.get(identity)
    if copy is None:
        with _copies_lock:
            copy = _copies.get(identity)
            if copy is None:
                listener = backend.listen([SITE_KEY, ARTICLE_KEY_PREFIX])
                copy = _copies[identity] = LocalCopy(listener, backend.make_key)
    return copy
