from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.html import escape

from publishing.addresses import absolute_url
from reviews.models import ReviewRound, State
from reviews.pages import published_rounds

FEED_LENGTH = 30


class LatestArticlesFeed(Feed):
    """The newest approvals; each item is a reviews.pages.PublishedRound."""

    title = "Vetted: newly reviewed articles"
    description = "Medical articles as approved by the Medical Advisory Board."

    def link(self):
        return absolute_url(reverse("articles:home"))

    def feed_url(self):
        return absolute_url(reverse("articles:feed"))

    def items(self):
        approved = ReviewRound.objects.published().filter(state=State.APPROVED)
        return published_rounds(approved.order_by("-decided_at")[:FEED_LENGTH])

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Feed readers treat <description> as HTML; the summary is plain text.
        return escape(item.summary)

    def item_link(self, item):
        return absolute_url(reverse("articles:detail", args=[item.slug]))

    def item_guid(self, item):
        return f"{self.item_link(item)}#round-{item.number}"

    def item_pubdate(self, item):
        return item.decided_at

    def item_author_name(self, item):
        return f"Reviewed by {item.approver_name}"
