"""Glue between django-axes, which throttles sign-in, and Vetted's admin.

axes (configured in config/settings.py) counts failed sign-ins in the database per
(account, client): after AXES_FAILURE_LIMIT failures the pair is locked for AXES_COOLOFF_TIME
from the last counted failure, even with the right password, while the same account signs in
from any other client. Attempts made during the lock are refused without being counted, so the
lock never outlasts its time. A successful sign-in clears the pair's count.

The counter lives in the database rather than in the cache because sign-in needs the database
anyway: when it cannot be reached the whole request fails with the 503 page
(config.middleware), so sign-in fails closed without any code of ours, and a Redis outage no
longer stops staff from signing in.

What is here is what axes leaves to the project:
- account_key: the account part of the key, matched without regard to case or surrounding
  spaces, so "Ed " and "ed" share one count;
- lockout_response: the admin's own sign-in page saying how long to wait, instead of axes'
  plain-text page.
"""

import math

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

LOCKED_OUT = (
    "Too many failed sign-in attempts for this account. "
    "Wait %(minutes)s minute%(plural)s before trying again."
)


def account_key(request, credentials):
    """AXES_USERNAME_CALLABLE: the typed account name, stripped and in lower case."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return (username or "").strip().lower() or None


def minutes_left(request, credentials):
    """Whole minutes, at least 1, until the lock on this request's (account, client) ends."""
    last = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        ip_address=request.axes_ip_address,
    ).aggregate(last=Max("attempt_time"))["last"]
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    ends = (last or now) + get_cool_off(request)
    return max(1, math.ceil((ends - now).total_seconds() / 60))


class LockedOutForm(AdminAuthenticationForm):
    """The admin's sign-in form showing the lock; it never authenticates, so showing it
    counts no attempt."""

    def __init__(self, request, message, **kwargs):
        super().__init__(request, **kwargs)
        self.message = message

    def clean(self):
        raise ValidationError(self.message, code="locked_out")


def safe_next(request):
    """Where the sign-in form sends the user afterwards: the asked-for page on this site, or
    the admin's index (as the admin's own sign-in view decides)."""
    wanted = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and allowed else reverse("admin:index")


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the admin sign-in page with the lock's message, status 429."""
    minutes = minutes_left(request, credentials)
    message = LOCKED_OUT % {"minutes": minutes, "plural": "" if minutes == 1 else "s"}
    form = LockedOutForm(request, message, data=request.POST)
    context = {
        **admin.site.each_context(request),
        "title": "Log in",
        "subtitle": None,
        "app_path": request.get_full_path(),
        "form": form,
        REDIRECT_FIELD_NAME: safe_next(request),
    }
    response = render(request, "admin/login.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
