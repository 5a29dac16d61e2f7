"""Cached article pages answered from the top of the middleware stack.

The first middleware in settings.MIDDLEWARE. For an anonymous GET of an article address
(`/articles/<slug>/`, with nothing in the query but `audience=<slug>`), it asks the page cache
(publishing.pagecache) and, on a hit, answers with the complete response stored there: the body
and every header the whole stack added when the page was first served (CSP, security headers,
ETag, Last-Modified, Cache-Control, Surrogate-Key), or 304 to a conditional request. No session,
authentication, CSRF, URL resolving or template work happens on a hit.

On a miss the request goes down the stack as usual with the lookup attached, and the response
the stack returns is stored complete, once it proves to be the public page (status 200, the
view's page attached, public Cache-Control, no cookie set).

Anyone who sends a session cookie (a signed-in editor, or one who was) goes down the whole stack
and nothing of their response is stored. So do requests the stack would refuse or redirect
(a host not in ALLOWED_HOSTS, plain HTTP when SECURE_SSL_REDIRECT is on).
"""

import re
from dataclasses import replace

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.utils.cache import get_conditional_response

from publishing import pagecache
from reviews.pages import AUDIENCE_SLUG_LENGTH

ARTICLE_PATH = re.compile(r"/articles/([-a-zA-Z0-9_]+)/\Z")
AUDIENCE_QUERY = re.compile(rf"(?:audience=([-a-zA-Z0-9_]{{1,{AUDIENCE_SLUG_LENGTH}}}))?\Z")
CONDITIONAL_HEADERS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)
# Headers a stored response never keeps: the server writes its own Date, and a response that
# sets a cookie is never stored at all.
NOT_STORED = {"date", "set-cookie"}


def serve_cached_pages(get_response):
    session_cookie = settings.SESSION_COOKIE_NAME

    def middleware(request):
        if request.method != "GET" or session_cookie in request.COOKIES:
            return get_response(request)
        path = ARTICLE_PATH.match(request.path_info)
        query = path and AUDIENCE_QUERY.match(request.META.get("QUERY_STRING", ""))
        if not query or not acceptable(request):
            return get_response(request)
        found = pagecache.lookup(path[1], query[1] or pagecache.DEFAULT_AUDIENCE)
        page = found.page
        secure = request.is_secure()
        if page is not None and page.headers and page.secure == secure:
            return stored_response(request, page)
        request.page_lookup = found
        response = get_response(request)
        page = getattr(response, "page_to_store", None)
        if page is not None and storable(response):
            found.store(replace(page, headers=stored_headers(response), secure=secure))
        return response

    return middleware


def acceptable(request):
    """Whether the stack would answer this request with the page (not a redirect or a 400)."""
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return False
    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True


def storable(response):
    return (
        response.status_code == 200
        and not response.cookies
        and "public" in response.get("Cache-Control", "")
    )


def stored_headers(response):
    return tuple(
        (name, value) for name, value in response.items() if name.lower() not in NOT_STORED
    )


def stored_response(request, page):
    response = HttpResponse(page.html)
    # The stored headers were checked when the stack first set them, and every hit would check
    # them again, one by one (a fifth of a hit's time): put them in place as they were.
    response.headers._store.update(page.header_store)
    if any(header in request.META for header in CONDITIONAL_HEADERS):
        # By ETag only, as publishing.views.article_detail answers.
        not_modified = get_conditional_response(request, etag=page.etag, response=response)
        if not_modified is not None:
            return not_modified
    return response
