"""Keeping the page cache and the edge in step with what readers see (no business rules here)."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from articles.models import Disclaimer, SitePage, Topic
from publishing import edge, pagecache
from reviews.models import BoardMember
from reviews.signals import published_changed


def articles_published_changed(sender, slugs, **kwargs):
    pagecache.articles_changed(*slugs)
    edge.purge_on_commit(edge.keys_for_articles(slugs))


def disclaimers_changed(**kwargs):
    pagecache.site_changed()
    edge.purge_on_commit([edge.SITE_KEY])


def site_pages_changed(**kwargs):
    # The editorial policy and the board are linked from every page; they are cached at the
    # edge only (not in the page cache), so only the edge needs telling.
    edge.purge_on_commit([edge.SITE_KEY])


def lists_changed(**kwargs):
    # A topic's name and description are read live, so the pages that list topics change as
    # soon as they do. Which articles a topic lists changes only with a published round (its
    # frozen topics, ReviewRound.topics): the draft's topics reach no public page.
    edge.purge_on_commit([edge.LISTS_KEY])


def after_m2m_change(handler):
    """`handler` for m2m_changed's post_add, post_remove and post_clear only: the signal also
    fires before each change, and one change should send one purge."""

    def receiver(action, **kwargs):
        if action.startswith("post_"):
            handler(**kwargs)

    return receiver


audiences_of_disclaimers_changed = after_m2m_change(disclaimers_changed)


def connect():
    # Disclaimers show on every page: any change makes every cached page stale.
    for signal in (post_save, post_delete):
        signal.connect(disclaimers_changed, sender=Disclaimer, dispatch_uid=f"disc-{signal}")
        for model in (SitePage, BoardMember):
            signal.connect(
                site_pages_changed, sender=model, dispatch_uid=f"{model.__name__}-{signal}"
            )
    for signal in (post_save, post_delete):
        signal.connect(lists_changed, sender=Topic, dispatch_uid=f"topic-{signal}")
    m2m_changed.connect(
        audiences_of_disclaimers_changed,
        sender=Disclaimer.audiences.through,
        dispatch_uid="disc-m2m",
    )
    published_changed.connect(articles_published_changed, dispatch_uid="published-changed")
