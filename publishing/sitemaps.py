from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from reviews.models import ReviewRound
from reviews.pages import published_rounds


class ArticleSitemap(Sitemap):
    """Every published article; each item is a reviews.pages.PublishedRound."""

    changefreq = "monthly"

    def items(self):
        return published_rounds(ReviewRound.objects.published().order_by("article__slug"))

    def location(self, item):
        return reverse("articles:detail", args=[item.slug])

    def lastmod(self, item):
        return item.last_updated


class PageSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return ["articles:home", "articles:board", "articles:editorial_policy"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"articles": ArticleSitemap, "pages": PageSitemap}
