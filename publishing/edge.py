"""What shared caches in front of Vetted (Varnish, a CDN) are told: lifetimes, keys, purges.

Every public response says how long a browser may keep it (max-age), how long a shared cache
may (s-maxage), and how long a shared cache may go on serving it while it fetches a fresh copy
or while the origin fails (stale-while-revalidate, stale-if-error). Every public response also
carries a Surrogate-Key header naming what it shows, so that a change can purge exactly the
pages it touched:

- SITE_KEY: every public page (disclaimers and site pages are on, or linked from, all of them);
- article_surrogate_key(slug): the pages of the article at that address (page, JSON, redirect);
- LISTS_KEY: the pages that list articles (home, topics, search, feed, sitemap);
- NOT_FOUND_KEY: 404 pages, which a new publication may turn into pages.

When a change readers see commits, purge_on_commit() sends `PURGE /` with a Surrogate-Key header
naming the affected keys to every base URL in settings.EDGE_PURGE_URLS, from a background
thread of the process that committed, retried with bounded backoff, and logged when an edge
cannot be reached. A transaction that rolls back sends nothing.
"""

import atexit
import logging
import threading
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

SITE_KEY = "vetted-site"
LISTS_KEY = "vetted-lists"
NOT_FOUND_KEY = "vetted-not-found"

# Seconds. A browser keeps a page for BROWSER_MAX_AGE whatever the edge does, so a change reaches
# a reader who reloads within that time from the browser's copy; shared caches are purged.
BROWSER_MAX_AGE = 300
NOT_FOUND_MAX_AGE = 60
STALE_WHILE_REVALIDATE = 30
STALE_IF_ERROR = 24 * 3600

# An article asked for in an audience it does not have: browsers may keep it a minute, shared
# caches not at all (publishing.views.article_detail).
UNKNOWN_AUDIENCE_CACHE_CONTROL = f"private, max-age={NOT_FOUND_MAX_AGE}"

PURGE_TIMEOUT = 2.0  # seconds per attempt
PURGE_ATTEMPTS = 8
PURGE_FIRST_WAIT = 0.25  # doubled after every failed attempt ...
PURGE_LONGEST_WAIT = 15.0  # ... up to this
# A process that exits (a management command, a shell) first gives its purges this long.
EXIT_WAIT = 10.0

_running = set()  # purge threads not yet finished
_running_lock = threading.Lock()


def article_surrogate_key(slug):
    return f"vetted-article-{slug}"


def shared_max_age():
    """How long a shared cache keeps a public page: a day when changes purge it, else as long
    as a browser does (an edge that is never purged must not keep a withdrawn page for a day)."""
    if settings.EDGE_MAX_AGE is not None:
        return settings.EDGE_MAX_AGE
    return 24 * 3600 if settings.EDGE_PURGE_URLS else BROWSER_MAX_AGE


def public_cache_control(max_age=BROWSER_MAX_AGE, shared=None):
    shared = shared_max_age() if shared is None else shared
    return (
        f"public, max-age={max_age}, s-maxage={shared}, "
        f"stale-while-revalidate={STALE_WHILE_REVALIDATE}, stale-if-error={STALE_IF_ERROR}"
    )


def not_found_cache_control():
    return public_cache_control(max_age=NOT_FOUND_MAX_AGE, shared=NOT_FOUND_MAX_AGE)


def keys_for_articles(slugs):
    """The keys a change to what readers see at these article addresses makes stale."""
    return [*(article_surrogate_key(slug) for slug in sorted(slugs)), LISTS_KEY, NOT_FOUND_KEY]


def purge_on_commit(keys):
    """Purge `keys` at every edge once the current transaction commits (nothing on rollback)."""
    keys = list(keys)
    if settings.EDGE_PURGE_URLS and keys:
        transaction.on_commit(lambda: start_purge(keys))


def start_purge(keys):
    """Send the purge from a background thread: the request that committed does not wait."""
    for base in settings.EDGE_PURGE_URLS:
        thread = threading.Thread(
            target=_purge_in_background, args=(base, keys), name="edge-purge", daemon=True
        )
        with _running_lock:
            _running.add(thread)
        thread.start()


def _purge_in_background(base, keys):
    try:
        purge(base, keys)
    finally:
        with _running_lock:
            _running.discard(threading.current_thread())


@atexit.register
def wait_for_purges(timeout=EXIT_WAIT):
    """Block until every purge started has finished, or `timeout` seconds passed; True if all
    finished. Runs at exit, so that a command that approves a round purges before it ends."""
    deadline = time.monotonic() + timeout
    with _running_lock:
        threads = list(_running)
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in threads)


def purge(base, keys):
    """PURGE `base` with a Surrogate-Key header naming `keys`, until the edge answers 2xx or
    PURGE_ATTEMPTS have failed. True when the edge took it."""
    wait = PURGE_FIRST_WAIT
    header = " ".join(keys)
    for attempt in range(1, PURGE_ATTEMPTS + 1):
        request = urllib.request.Request(base, method="PURGE", headers={"Surrogate-Key": header})
        try:
            with urllib.request.urlopen(request, timeout=PURGE_TIMEOUT) as response:
                response.read()
            return True
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            if attempt == PURGE_ATTEMPTS:
                logger.error(
                    "The edge at %s did not take the purge of %s after %s attempts (%s); it "
                    "may serve those pages until they expire (s-maxage %s s).",
                    base,
                    header,
                    attempt,
                    reason,
                    shared_max_age(),
                )
                return False
            logger.warning(
                "The edge at %s did not take the purge of %s (%s); trying again in %.2f s.",
                base,
                header,
                reason,
                wait,
            )
        time.sleep(wait)
        wait = min(wait * 2, PURGE_LONGEST_WAIT)
    return False
