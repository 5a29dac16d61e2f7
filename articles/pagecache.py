"""The shared cache of rendered article pages.

A page is cached per (round, audience). A new approval changes which round is published, so it
gets a new key at once; site-wide content on the page (disclaimers) bumps a generation number
that is part of every key. The cache may be Redis shared by many app servers.
"""

from django.core.cache import cache

GENERATION_KEY = "vetted:page-generation"
PAGE_TIMEOUT = 24 * 3600


def generation():
    """The current generation of site-wide page content."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def bump_generation(**kwargs):
    """Make every cached page stale (called when a disclaimer changes)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


def page_key(review_round, audience, site_generation):
    interval = review_round.article.review_interval_months
    return (
        f"vetted:article-page:{review_round.pk}:{review_round.state}:{audience}:"
        f"{interval}:{site_generation}"
    )


def etag(review_round, audience, site_generation):
    interval = review_round.article.review_interval_months
    return (
        f'"{review_round.snapshot_sha256[:16]}-{review_round.state}-{audience}-'
        f'{interval}-{site_generation}"'
    )
