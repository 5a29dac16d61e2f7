"""The benchmark's baseline: what Django and gunicorn do on this machine with no work at all.

Routed only when settings.BENCH_BASELINE is on (bench/ turns it on for its own servers). It
answers a constant body of the size asked for and touches neither the database nor the cache, so
"article page / baseline" says how close Vetted's pages come to the framework's own limit.
"""

from functools import lru_cache

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

MAX_BYTES = 1_000_000
FILLER = "<p>Constant text of the benchmark baseline: no database, no cache, no template.</p>\n"


@lru_cache(maxsize=8)
def constant_body(size):
    """`size` bytes of HTML-ish text, the same on every call."""
    return (FILLER * (size // len(FILLER) + 1))[:size].encode("ascii")


@require_safe
def baseline(request, size):
    if size > MAX_BYTES:
        raise Http404("The baseline body is at most 1 MB.")
    return HttpResponse(constant_body(size), content_type="text/html; charset=utf-8")
