"""Headers for shared caches (Varnish, a CDN) and cached pages answered from the top of the stack.

Public pages for anonymous readers carry no Set-Cookie and no Vary: Cookie, so the address alone
decides what a cache hands out; they say how long shared caches keep them and under which
Surrogate-Keys a change purges them. A cached article page is answered complete by the first
middleware, before sessions, authentication or URL resolving run.
"""

import pytest
from django.core.cache import cache
from django.test import Client

from publishing import pagecache
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/articles/bones/"
ARTICLE_KEYS = "vetted-article-bones vetted-site"
LIST_KEYS = "vetted-lists vetted-site"
# What the whole stack adds to a public page, which a stored page must carry too.
STACK_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Content-Type",
    "Content-Length",
    "ETag",
    "Last-Modified",
    "Cache-Control",
    "Surrogate-Key",
)


@pytest.fixture
def article(editor, audiences):
    topic = factories.TopicFactory(slug="bone-health")
    article = factories.ArticleFactory(
        created_by=editor,
        slug="bones",
        body="Shared fact.\n\n::: audience clinician\nWords for clinicians.\n:::\n",
    )
    article.topics.add(topic)
    return article


def served_from_the_top(response):
    """True when the first middleware answered: no URL was resolved and no user was loaded."""
    request = response.wsgi_request
    return request.resolver_match is None and not hasattr(request, "user")


@pytest.mark.parametrize("query", ["", "?audience=clinician", "?audience=nonsense"])
def test_an_anonymous_article_page_sets_no_cookie_and_does_not_vary_on_cookies(
    client, approved, query
):
    client.cookies["_analytics"] = "reader-42"  # a cookie the site never reads
    client.cookies["audience"] = "clinician"  # one an older release set
    for _ in range(2):  # rendered, then from the cache
        response = client.get(URL + query)
        assert response.status_code == 200
        assert not response.cookies
        assert "Set-Cookie" not in response
        assert "Cookie" not in response.get("Vary", "")
        # An audience the article lacks is for no shared cache, so it names no key.
        keys = None if "nonsense" in query else ARTICLE_KEYS
        assert response.get("Surrogate-Key") == keys


def test_the_address_alone_decides_the_audience(client, approved):
    plain = client.get(URL)
    client.cookies["audience"] = "clinician"
    assert client.get(URL).content == plain.content
    assert b"Words for clinicians." in client.get(URL + "?audience=clinician").content


def test_article_pages_tell_shared_caches_their_own_lifetime(client, approved):
    control = client.get(URL)["Cache-Control"]
    assert control == (
        "public, max-age=300, s-maxage=300, stale-while-revalidate=30, stale-if-error=86400"
    )


def test_with_an_edge_to_purge_shared_caches_keep_pages_for_a_day(client, approved, settings):
    settings.EDGE_PURGE_URLS = ["http://127.0.0.1:9/"]
    assert "s-maxage=86400" in client.get(URL)["Cache-Control"]
    settings.EDGE_MAX_AGE = 600
    assert "s-maxage=600" in client.get("/")["Cache-Control"]


@pytest.mark.parametrize(
    "path", ["/", "/topics/bone-health/", "/search/?q=fact", "/feed/", "/sitemap.xml"]
)
def test_lists_of_articles_carry_the_list_key_and_no_cookie(client, approved, path):
    client.cookies["_analytics"] = "reader-42"
    response = client.get(path)
    assert response.status_code == 200
    assert response["Surrogate-Key"] == LIST_KEYS
    assert "s-maxage=" in response["Cache-Control"]
    assert "stale-if-error=" in response["Cache-Control"]
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_the_json_api_and_an_old_address_carry_the_article_key(client, approved, editor):
    assert client.get("/api/articles/bones/")["Surrogate-Key"] == ARTICLE_KEYS
    factories.save_as(editor, approved.article, slug="strong-bones")
    factories.approve(approved.article, editor=editor, board_member=approved.decided_by)
    moved = client.get(URL)
    assert moved.status_code == 301
    assert moved["Surrogate-Key"] == ARTICLE_KEYS


def test_an_audience_the_article_lacks_is_answered_but_kept_by_no_shared_cache(
    client, approved, editor
):
    response = client.get(URL + "?audience=astronaut")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=60"
    assert "Surrogate-Key" not in response
    assert "public" in client.get(URL + "?audience=clinician")["Cache-Control"]
    client.force_login(editor)
    signed_in = client.get(URL + "?audience=astronaut")
    assert signed_in["Cache-Control"] == "private, no-cache, no-store"


def test_a_signed_in_editor_gets_pages_no_cache_may_keep(client, approved, editor):
    client.force_login(editor)
    response = client.get(URL)
    assert response["Cache-Control"] == "private, no-cache, no-store"
    assert "Surrogate-Key" not in response


def test_a_cached_page_is_answered_complete_from_the_top_of_the_stack(
    client, approved, django_assert_num_queries
):
    first = client.get(URL + "?audience=clinician")
    assert not served_from_the_top(first)
    with django_assert_num_queries(0):
        again = client.get(URL + "?audience=clinician")
    assert served_from_the_top(again)
    assert again.content == first.content
    for header in STACK_HEADERS:
        assert again[header] == first[header], header
    assert "Date" not in dict(pagecache.lookup("bones", "clinician").page.headers)


def test_a_conditional_request_is_answered_304_from_the_top(client, approved):
    first = client.get(URL)
    response = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304
    assert served_from_the_top(response)
    assert response.content == b""
    assert response["ETag"] == first["ETag"]
    assert response["Cache-Control"] == first["Cache-Control"]
    since = client.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 200  # by ETag only (see tests/publishing/test_public_site.py)
    assert since.content == first.content


def test_other_queries_and_addresses_go_down_the_whole_stack(client, approved):
    client.get(URL)
    assert not served_from_the_top(client.get(URL + "?utm_source=news"))
    assert not served_from_the_top(client.get("/articles/bones"))
    assert client.head(URL).status_code == 200


def test_nothing_a_signed_in_editor_is_served_is_stored(client, approved, editor):
    client.force_login(editor)
    client.get(URL)
    client.get(URL + "?audience=clinician")
    assert cache.get(pagecache.page_key("bones", "")) is None
    assert cache.get(pagecache.page_key("bones", "clinician")) is None


def test_a_session_cookie_always_goes_down_the_whole_stack(client, approved, editor):
    client.get(URL)  # stored for anonymous readers
    client.force_login(editor)
    response = client.get(URL)
    assert not served_from_the_top(response)
    assert response["Cache-Control"] == "private, no-cache, no-store"


def test_a_host_the_site_refuses_is_refused_even_when_cached(client, approved):
    client.get(URL)
    assert client.get(URL, HTTP_HOST="evil.example").status_code == 400


def test_plain_http_is_redirected_before_any_cached_page(approved, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    client = Client()  # its middleware is built with these settings
    first = client.get(URL, secure=True)
    again = client.get(URL, secure=True)
    assert served_from_the_top(again)
    assert again["Strict-Transport-Security"] == first["Strict-Transport-Security"]
    assert client.get(URL).status_code == 301
