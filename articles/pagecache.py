"""The shared cache of rendered article pages.

A cached page is looked up by (slug, audience) together with two generation tokens in a single
`get_many`, so a cache hit costs one round trip to the cache and no SQL at all:

- the site token changes when site-wide content on every page changes (disclaimers);
- the article token changes when what readers see of one article changes (every workflow
  transition, and saving the article's slug, review interval or pending-publication setting).

Each page is stored with the tokens that were current *before* its data was read from the
database. Tokens change only after the writing transaction commits, so a page rendered from
data read before a change carries an old token and is never served after it. Tokens are random,
not counters, so losing them (a flushed cache) can never make an old page look current.

The cache may be Redis shared by many app servers; with the dummy cache every request renders.
"""

import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

SITE_KEY = "vetted:page-generation"
PAGE_TIMEOUT = 24 * 3600
DEFAULT_AUDIENCE = ""  # the page shown to readers who have not chosen an audience


def article_key(slug):
    return f"vetted:article-generation:{slug}"


def page_key(slug, audience):
    return f"vetted:article-page:{slug}:{audience}"


@dataclass(frozen=True)
class Page:
    etag: str  # a digest of the HTML
    last_modified: float  # a POSIX timestamp
    audience: str  # the audience it is written for (never DEFAULT_AUDIENCE)
    html: bytes


@dataclass(frozen=True)
class Lookup:
    """What one round trip to the cache found for a (slug, audience) request."""

    slug: str
    audience: str
    tokens: tuple  # (site token, article token), read before the page's data is read
    page: Page | None

    def store(self, page, *, audience=None):
        """Cache `page` for this request's audience (or `audience`) under the looked-up tokens."""
        if None in self.tokens:  # a cache that keeps nothing (the dummy cache)
            return
        key = page_key(self.slug, self.audience if audience is None else audience)
        cache.set(key, (self.tokens, page), PAGE_TIMEOUT)


def lookup(slug, audience):
    """The cached page for `slug` and `audience` (DEFAULT_AUDIENCE for none chosen), if current.

    Call it before reading the page's data from the database: the tokens it returns are the
    ones a page rendered from that data must be stored under.
    """
    keys = (SITE_KEY, article_key(slug))
    key = page_key(slug, audience)
    found = cache.get_many([*keys, key])
    tokens = tuple(found.get(name) for name in keys)
    if None in tokens:
        # Lost or never made: create them now, before the caller reads the database.
        for name, token in zip(keys, tokens, strict=True):
            if token is None:
                cache.add(name, _new_token(), timeout=None)
        current = cache.get_many(keys)
        return Lookup(slug, audience, tuple(current.get(name) for name in keys), None)
    page = None
    if key in found:
        stored_tokens, stored_page = found[key]
        if stored_tokens == tokens:
            page = stored_page
    return Lookup(slug, audience, tokens, page)


def site_changed(**kwargs):
    """Make every cached page stale once the current transaction commits (disclaimers)."""
    transaction.on_commit(lambda: cache.set(SITE_KEY, _new_token(), timeout=None))


def articles_changed(*slugs):
    """Make the cached pages of these article addresses stale once the transaction commits."""
    keys = {article_key(slug): _new_token() for slug in slugs}
    transaction.on_commit(lambda: cache.set_many(keys, timeout=None))


def _new_token():
    return uuid.uuid4().hex
