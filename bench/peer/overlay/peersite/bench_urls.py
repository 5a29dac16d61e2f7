"""The generated project's URLs plus the same constant baseline page as Vetted's config/bench.py."""

from functools import lru_cache

from django.http import HttpResponse
from django.urls import path
from peersite.urls import urlpatterns as site_urlpatterns

FILLER = "<p>Constant text of the benchmark baseline: no database, no cache, no template.</p>\n"


@lru_cache(maxsize=8)
def constant_body(size):
    return (FILLER * (size // len(FILLER) + 1))[:size].encode("ascii")


def baseline(request, size):
    body = constant_body(min(size, 1_000_000))
    return HttpResponse(body, content_type="text/html; charset=utf-8")


urlpatterns = [path("__bench__/baseline/<int:size>/", baseline), *site_urlpatterns]
