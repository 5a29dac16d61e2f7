"""The site's URLs: the public contract in ARCHITECTURE.md, the admin and the health check."""

from django.contrib import admin
from django.urls import include, path

from config import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("", include("articles.urls")),
]
