"""Query budgets: public pages and admin lists make as many queries for 12 articles as for 2.

An N+1 shows as a count that grows with the rows; seed_bulk makes the rows quickly.
"""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article

PUBLIC = ["/", "/topics/bulk-0/", "/search/?q=evidence", "/feed/", "/sitemap.xml"]
ADMIN = [
    "/admin/articles/article/",
    "/admin/reviews/reviewround/",
    "/admin/reviews/reviewround/?queue=all",
    "/admin/reviews/reviewevent/",
]


def seed(articles):
    call_command("seed_bulk", articles=articles, stdout=io.StringIO())


def queries(client, url):
    cache.clear()  # every page does its full work, not a cached answer
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def counts(client, urls):
    return {url: queries(client, url) for url in urls}


@pytest.fixture
def first_article(db):
    seed(2)
    return Article.objects.filter(slug__startswith="bulk-").order_by("pk").first()


def test_public_pages_make_constant_queries_as_articles_grow(client, first_article):
    urls = [*PUBLIC, first_article.get_absolute_url()]
    few = counts(client, urls)
    seed(10)
    assert counts(client, urls) == few


def test_admin_lists_make_constant_queries_as_rows_grow(admin_client, first_article):
    few = counts(admin_client, ADMIN)
    seed(10)
    assert counts(admin_client, ADMIN) == few
