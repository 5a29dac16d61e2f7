"""Answer 503 with a short plain page, not a 500 with a traceback, while the database is down.

When PostgreSQL is unreachable every page that reads content fails with an OperationalError
(connection refused, server closed the connection) or an InterfaceError (connection already
closed). That is an outage, not a bug: tell the reader to come back, tell caches and crawlers
not to keep the answer, and log one line for the operator. Once the database answers again the
next request reconnects by itself (CONN_HEALTH_CHECKS), so nothing needs restarting.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.cache import add_never_cache_headers
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
UNAVAILABLE_TEXT = (
    "The service is temporarily unavailable. Please try again in a minute.\n"
    "If you need medical help now, contact your clinician or, in an emergency, "
    "your local emergency number.\n"
)


NUL_IN_ADDRESS_TEXT = (
    "Bad request: the address holds a NUL character (%00), which no page of this site takes.\n"
)


def refuse_nul_in_address(get_response):
    """Answer 400 to any address whose query string holds a NUL character.

    PostgreSQL cannot store or compare text holding NUL, so a %00 in a filter, a search or an
    autocomplete term would otherwise fail deep inside a query as a 500. Checked on the raw
    query string, so addresses without it cost one substring test.
    """

    def middleware(request):
        if "%00" in request.META.get("QUERY_STRING", "") and any(
            "\x00" in part for name, values in request.GET.lists() for part in (name, *values)
        ):
            return HttpResponseBadRequest(
                NUL_IN_ADDRESS_TEXT, content_type="text/plain; charset=utf-8"
            )
        return get_response(request)

    return middleware


def service_unavailable():
    response = HttpResponse(UNAVAILABLE_TEXT, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection raised by a view into a 503 plain page.

    Only connection failures are caught: IntegrityError, ProgrammingError and the rest are bugs
    and still reach the normal 500 handling (and its logging).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        return outage_response(request, exception)


def is_outage(exception):
    """Whether `exception` says the database cannot be reached, rather than that it refused a
    statement. PostgreSQL files some refusals of bad input under OperationalError too (a text
    too long for a tsvector is "program limit exceeded", SQLSTATE 54000): those are errors in
    what was sent, and an outage page would blame the database for them. A lost connection
    carries no SQLSTATE, or one of class 08 (connection exception) or 57P (shutdown)."""
    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    sqlstate = getattr(exception.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(("08", "57P"))


def outage_response(request, exception):
    # Drivers spread one failure over several lines; the log gets one. No traceback: during an
    # outage every request fails the same way and the cause is in the message.
    reason = " ".join(str(exception).split())
    logger.error(
        "Database unavailable, answered 503 to %s %s: %s: %s",
        request.method,
        request.path,
        type(exception).__name__,
        reason,
    )
    return service_unavailable()


def server_error(request):
    """handler500: a lost database connection raised outside a view is an outage too.

    The middleware above sees only what views raise; saving the session after signing in, for
    one, fails in SessionMiddleware. Django calls this handler while handling the exception.
    """
    exception = sys.exc_info()[1]
    if is_outage(exception):
        return outage_response(request, exception)
    return defaults.server_error(request)
