"""The reference's one address: `/`, answering a constant body of BENCH_BARE_BYTES bytes."""

import os

from django.http import HttpResponse
from django.urls import path

FILLER = b"<p>Constant text of the bare reference: no database, no cache, no template.</p>\n"
SIZE = int(os.environ.get("BENCH_BARE_BYTES", "22000"))
BODY = (FILLER * (SIZE // len(FILLER) + 1))[:SIZE]


def constant(request):
    return HttpResponse(BODY, content_type="text/html; charset=utf-8")


urlpatterns = [path("", constant)]
