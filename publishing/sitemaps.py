from django.contrib.sitemaps import Sitemap
from django.db.models import Exists
from django.urls import reverse

from articles.models import SitePage, Topic
from publishing.addresses import site_domain, site_protocol
from reviews.models import ReviewRound
from reviews.pages import published_in_topic, published_rounds


class SiteSitemap(Sitemap):
    """A sitemap whose addresses are on SITE_URL, whatever Host the request named."""

    @property
    def protocol(self):
        return site_protocol()

    def get_domain(self, site=None):
        return site_domain()


class ArticleSitemap(SiteSitemap):
    """Every published article; each item is a reviews.pages.PublishedRound."""

    changefreq = "monthly"

    def items(self):
        return published_rounds(ReviewRound.objects.published().order_by("article__slug"))

    def location(self, item):
        return reverse("articles:detail", args=[item.slug])

    def lastmod(self, item):
        return item.last_updated


class PageSitemap(SiteSitemap):
    changefreq = "weekly"

    def items(self):
        """The site's own pages; the editorial policy only once it is written (a new site has
        none, and a sitemap must not list an address that answers 404)."""
        pages = ["articles:home", "articles:board"]
        if SitePage.objects.filter(slug=SitePage.EDITORIAL_POLICY).exists():
            pages.append("articles:editorial_policy")
        return pages

    def location(self, item):
        return reverse(item)


class TopicSitemap(SiteSitemap):
    """The topic pages that list at least one published article (the home page's topic list)."""

    changefreq = "weekly"

    def items(self):
        return Topic.objects.filter(Exists(published_in_topic())).order_by("slug")

    def location(self, item):
        return reverse("articles:topic", args=[item.slug])


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "pages": PageSitemap}
