"""Keeping the page cache in step with what readers see (no business rules here)."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from articles.models import Disclaimer
from publishing import pagecache
from reviews.signals import published_changed


def articles_published_changed(sender, slugs, **kwargs):
    pagecache.articles_changed(*slugs)


def connect():
    # Disclaimers show on every page: any change makes every cached page stale.
    for signal in (post_save, post_delete):
        signal.connect(pagecache.site_changed, sender=Disclaimer, dispatch_uid=f"disc-{signal}")
    m2m_changed.connect(
        pagecache.site_changed, sender=Disclaimer.audiences.through, dispatch_uid="disc-m2m"
    )
    published_changed.connect(articles_published_changed, dispatch_uid="published-changed")
