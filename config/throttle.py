"""Throttle admin sign-in: after too many failures for one account from one address, wait.

Counters live in the shared cache (CACHE_URL), so every app server sees the same count. The
window is fixed: it starts at the first failure and lasts WINDOW_SECONDS; once MAX_FAILURES
failures fall in it, every attempt for that account from that address is refused, even with
the right password, until the window ends. A successful sign-in before the limit clears the
count. Wired in config/urls.py as `admin.site.login_form`.

When the cache cannot be reached the count cannot be checked, so sign-in is refused with a
message saying so: the throttle never silently stops protecting accounts.
"""

import contextlib
import hashlib
import logging
import math
import time

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError

from config.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def now():
    """The clock the throttle reads; tests move it instead of sleeping."""
    return time.time()


def _keys(username, address):
    # Hashed: usernames are free text and cache backends restrict key characters and length.
    ident = hashlib.sha256(f"{(username or '').strip().lower()}\0{address}".encode()).hexdigest()
    return f"vetted:login:{ident}:start", f"vetted:login:{ident}:count"


def seconds_left(username, address):
    """Seconds until this account may try again from this address; 0 when it may try now."""
    start_key, count_key = _keys(username, address)
    started = cache.get(start_key)
    if started is None or now() - started >= WINDOW_SECONDS:
        return 0
    if (cache.get(count_key) or 0) < MAX_FAILURES:
        return 0
    return max(1, math.ceil(started + WINDOW_SECONDS - now()))


def record_failure(username, address):
    start_key, count_key = _keys(username, address)
    started = cache.get(start_key)
    if started is None or now() - started >= WINDOW_SECONDS:
        cache.set_many({start_key: now(), count_key: 0}, timeout=WINDOW_SECONDS)
    cache.add(count_key, 0, timeout=WINDOW_SECONDS)
    try:
        cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, timeout=WINDOW_SECONDS)


def clear(username, address):
    cache.delete_many(_keys(username, address))


def client_address(request):
    # REMOTE_ADDR only: X-Forwarded-For is written by the client unless a trusted proxy
    # rewrites it, and trusting it would let an attacker pick a fresh address per attempt.
    return (request.META.get("REMOTE_ADDR") if request else None) or "unknown"


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form, refusing attempts once an (account, address) pair failed
    MAX_FAILURES times within WINDOW_SECONDS."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": (
            "Too many failed sign-in attempts for this account. "
            "Wait %(minutes)s minute%(plural)s before trying again."
        ),
        "unavailable": (
            "Signing in is unavailable for a few minutes: the service that counts failed "
            "attempts cannot be reached. Please try again shortly."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        address = client_address(self.request)
        try:
            waiting = seconds_left(username, address)
        except CACHE_ERRORS as error:
            logger.error("Sign-in refused: the throttle's cache cannot be reached (%s).", error)
            raise ValidationError(self.error_messages["unavailable"], code="unavailable") from None
        if waiting:
            minutes = math.ceil(waiting / 60)
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": minutes, "plural": "" if minutes == 1 else "s"},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            with contextlib.suppress(*CACHE_ERRORS):  # it just answered; a failure now is rare
                record_failure(username, address)
            raise
        with contextlib.suppress(*CACHE_ERRORS):  # signed in; a stale count only expires
            clear(username, address)
        return cleaned
