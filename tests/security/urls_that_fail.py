"""The site's URLs plus one view that raises, for proving a 500 shows no traceback.

Only tests/security/test_production_settings.py loads it (pytest.mark.urls); the real site
never has this URL.
"""

from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

SECRET_IN_TRACEBACK = "kaboom-internal-detail-7f3a"


def explode(request):
    raise RuntimeError(SECRET_IN_TRACEBACK)


urlpatterns = [path("__test__/explode/", explode), *site_urlpatterns]
