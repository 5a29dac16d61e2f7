"""Absolute addresses on public pages, feeds and sitemaps come from SITE_URL.

Never from the request: a page is cached and served to every later reader, so a Host header
(or X-Forwarded-Proto) one client sent would otherwise become every reader's canonical link.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.templatetags.static import static

# The picture link previews show for every page (1200 × 630, the size Open Graph suggests).
SITE_IMAGE = "img/og-image.png"
SITE_IMAGE_SIZE = (1200, 630)


def absolute_url(path):
    """`path` (starting with /) on the site's public address."""
    return f"{settings.SITE_URL}{path}"


def site_domain():
    """The host (and port) of SITE_URL."""
    return urlsplit(settings.SITE_URL).netloc


def site_protocol():
    """http or https, as SITE_URL says."""
    return urlsplit(settings.SITE_URL).scheme


def site_image_url():
    """The absolute address of the site-wide preview picture (og:image), from SITE_URL unless
    static files are served from an absolute address (a CDN's) already."""
    url = static(SITE_IMAGE)
    return url if urlsplit(url).scheme else absolute_url(url)
