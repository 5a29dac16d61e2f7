from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from reviews.models import ReviewRound


class ArticleSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return ReviewRound.objects.published().select_related("article").order_by("article__slug")

    def location(self, item):
        return reverse("articles:detail", args=[item.article.slug])

    def lastmod(self, item):
        return item.decided_at or item.submitted_at


class PageSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return ["articles:home", "articles:board", "articles:editorial_policy"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"articles": ArticleSitemap, "pages": PageSitemap}
