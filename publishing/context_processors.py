"""Context every page's template gets."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

from publishing.addresses import SITE_IMAGE_SIZE, site_image_url

# What assets() reads: a change to one (only tests change settings) forgets its answer.
ASSET_SETTINGS = {"STATIC_URL", "STORAGES", "SITE_URL"}


@lru_cache(maxsize=8)
def links_under(script_prefix):
    """The addresses the site's layout links to. They change only with the script prefix
    (reverse() reads it), so each process works them out once per prefix."""
    return {
        "home": reverse("articles:home"),
        "search": reverse("articles:search"),
        "editorial_policy": reverse("articles:editorial_policy"),
        "feed": reverse("articles:feed"),
        "board": reverse("articles:board"),
    }


@lru_cache(maxsize=1)
def assets():
    """The addresses of the layout's static files and preview picture. They are fixed when
    the process starts (the static files' manifest is read once), so each process works them
    out once rather than asking the storage on every page."""
    width, height = SITE_IMAGE_SIZE
    return {
        "site_css": static("css/site.css"),
        "print_css": static("css/print.css"),
        "audience_js": static("js/audience.js"),
        "favicon": static("img/favicon.svg"),
        "site_image": {"url": site_image_url(), "width": width, "height": height},
    }


@receiver(setting_changed)
def forget_assets(*, setting, **kwargs):
    if setting in ASSET_SETTINGS:
        assets.cache_clear()


def site_links(request=None):
    found = assets()
    return {
        "links": links_under(get_script_prefix()),
        "assets": found,
        "site_image": found["site_image"],
    }
