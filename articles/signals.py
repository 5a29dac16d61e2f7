"""Cache invalidation when site-wide page content changes (no business rules here)."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from articles import pagecache
from articles.models import Disclaimer


def connect():
    for signal in (post_save, post_delete):
        signal.connect(pagecache.site_changed, sender=Disclaimer, dispatch_uid=f"disc-{signal}")
    m2m_changed.connect(
        pagecache.site_changed, sender=Disclaimer.audiences.through, dispatch_uid="disc-m2m"
    )
