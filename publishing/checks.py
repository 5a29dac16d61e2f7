"""System checks on the settings the public site depends on (`manage.py check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning, register

# Hosts that only the server itself can reach: SITE_URL's development default is one of them.
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@register(deploy=True)
def site_url_is_public(app_configs, **kwargs):
    """Warn when SITE_URL names no host or a loopback one. Readers and search engines get it
    in the sitemap, the feed, each page's canonical link and structured data, and reviewers
    in every review e-mail; left at its default, all of those point at 127.0.0.1."""
    host = urlsplit(settings.SITE_URL).hostname or ""
    if host and host not in LOOPBACK_HOSTS:
        return []
    return [
        Warning(
            f"SITE_URL is {settings.SITE_URL!r}: the sitemap, the feed, canonical links and "
            "review e-mails would send readers and reviewers there.",
            hint="Set SITE_URL to the site's public address, e.g. https://vetted.example.org.",
            id="publishing.W001",
        )
    ]
