"""The site's URLs: the public contract in ARCHITECTURE.md, the admin and the health check."""

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from config import bench, health
from publishing.sitemaps import SITEMAPS
from publishing.views import cached_publicly, robots_txt

# A lost database connection anywhere in a request answers 503, not 500 (config/middleware.py).
handler500 = "config.middleware.server_error"
# Readers' 404s carry a short public Cache-Control like the other public pages.
handler404 = "publishing.views.page_not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("sitemap.xml", cached_publicly(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("", include("publishing.urls")),
]

if settings.BENCH_BASELINE:
    # The benchmark's framework-limit page; never served unless BENCH_BASELINE is on.
    urlpatterns.append(
        path("__bench__/baseline/<int:size>/", bench.baseline, name="bench_baseline")
    )
