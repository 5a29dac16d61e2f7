"""Context every page's template gets."""

from functools import lru_cache

from django.urls import get_script_prefix, reverse

from publishing.addresses import SITE_IMAGE_SIZE, site_image_url


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


def site_links(request=None):
    width, height = SITE_IMAGE_SIZE
    return {
        "links": links_under(get_script_prefix()),
        "site_image": {"url": site_image_url(), "width": width, "height": height},
    }
