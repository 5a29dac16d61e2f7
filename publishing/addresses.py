"""Absolute addresses on public pages, feeds and sitemaps come from SITE_URL.

Never from the request: a page is cached and served to every later reader, so a Host header
(or X-Forwarded-Proto) one client sent would otherwise become every reader's canonical link.
"""

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(path):
    """`path` (starting with /) on the site's public address."""
    return f"{settings.SITE_URL}{path}"


def site_domain():
    """The host (and port) of SITE_URL."""
    return urlsplit(settings.SITE_URL).netloc


def site_protocol():
    """http or https, as SITE_URL says."""
    return urlsplit(settings.SITE_URL).scheme
