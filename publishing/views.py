"""Public pages. They read only what readers may see, through ReviewRound.objects.published().

The article page is rendered from the HTML frozen in the round (no Markdown work per request)
and cached per (address, audience) in the shared cache (see publishing.pagecache).
"""

import hashlib
import json
import logging
from functools import lru_cache, wraps

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Exists
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.safestring import mark_safe
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from articles.models import Question, SitePage, Topic
from articles.rendering import render_markdown
from config.cache import CACHE_ERRORS
from config.clients import client_address
from publishing import edge, pagecache
from publishing.addresses import absolute_url
from publishing.context_processors import site_links
from publishing.forms import QuestionForm
from publishing.structured_data import article_api_data, article_json_ld
from reviews.models import BoardMember, ReviewRound
from reviews.pages import (
    AUDIENCE_SLUG_LENGTH,
    current_address,
    listed_rounds,
    published_in_topic,
    published_page,
)
from reviews.search import MAX_RANKED

logger = logging.getLogger(__name__)

# Request headers that can turn a GET into a 304 or 412.
CONDITIONAL_HEADERS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)
SEARCH_PAGE_SIZE = 10
# As many characters as the search boxes take (maxlength in base.html and search.html).
SEARCH_LENGTH = 200
HOME_PAGE_SIZE = 20
TOPIC_PAGE_SIZE = 20
QUESTION_LIMIT = 5  # questions per client address (config.clients) per hour


def published_round_or_404(slug):
    review_round = listed_rounds().filter(slug=slug).first()
    if review_round is None:
        raise Http404("No published article has that address.")
    return review_round


def public_cache_headers(request, response, *, keys=(edge.LISTS_KEY,), not_found=False):
    """Mark a public response: shared caches may keep it (see publishing.edge), under `keys` and
    the site-wide key; a signed-in reader's copy is kept by nobody.

    No Vary: Cookie. The address alone decides what an anonymous reader gets, so one copy per
    address serves everyone, whatever cookies (analytics, an old audience cookie) they send.
    """
    # Without a session cookie the reader is anonymous: no need to load a user to know it.
    signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated
    if signed_in:
        patch_cache_control(response, private=True, no_cache=True, no_store=True)
        return response
    response["Cache-Control"] = (
        edge.not_found_cache_control() if not_found else edge.public_cache_control()
    )
    response["Surrogate-Key"] = " ".join((*keys, edge.SITE_KEY))
    return response


def cached_publicly(view):
    """`view` with public_cache_headers: for views written elsewhere (the feed, the sitemap)."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        return public_cache_headers(request, view(request, *args, **kwargs))

    return cached_view


def page_not_found(request, exception):
    """handler404: Django's 404 page (templates/404.html), cached briefly for anonymous readers."""
    response = defaults.page_not_found(request, exception)
    return public_cache_headers(request, response, keys=[edge.NOT_FOUND_KEY], not_found=True)


@require_safe
def home(request):
    rounds = listed_rounds().order_by("-decided_at", "-submitted_at")[:HOME_PAGE_SIZE]
    topics = Topic.objects.filter(Exists(published_in_topic()))
    response = render(request, "publishing/home.html", {"rounds": rounds, "topics": topics})
    return public_cache_headers(request, response)


@require_safe
def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    # The topics each round was submitted with, not the draft's (see published_in_topic).
    rounds = listed_rounds().filter(topics=topic).order_by("-decided_at", "-pk")
    page_obj = Paginator(rounds, TOPIC_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"topic": topic, "page_obj": page_obj}
    response = render(request, "publishing/topic_detail.html", context)
    return public_cache_headers(request, response)


@require_safe
def article_detail(request, slug):
    # The address alone decides the audience: ?audience=<slug>, else the article's default.
    # Longer than a slug is never an audience: no need to send it to Redis.
    chosen = request.GET.get("audience", pagecache.DEFAULT_AUDIENCE)[: AUDIENCE_SLUG_LENGTH + 1]
    found = getattr(request, "page_lookup", None)  # publishing.middleware looked it up already
    if found is None or (found.slug, found.audience) != (slug, chosen):
        found = pagecache.lookup(slug, chosen)
    page, storable = found.page, False
    if page is None:
        page, storable = render_page(request, found)
    keys = [edge.article_surrogate_key(slug)]
    if page is None:
        return public_cache_headers(request, redirect_to_current_address(request, slug), keys=keys)
    response = None
    if any(header in request.META for header in CONDITIONAL_HEADERS):
        # By ETag only: a disclaimer edit or a retraction changes the page but not the date
        # Last-Modified gives, so If-Modified-Since alone could answer 304 to a stale copy.
        response = get_conditional_response(request, etag=page.etag)
    if response is None:
        response = HttpResponse(page.html)
        response["ETag"] = page.etag
        response["Last-Modified"] = page.last_modified_header
        if storable:
            # publishing.middleware stores it with the headers the whole stack adds.
            response.page_to_store = page
    response = public_cache_headers(request, response, keys=keys)
    unknown = page.audience != chosen and chosen != pagecache.DEFAULT_AUDIENCE
    if unknown and "public" in response["Cache-Control"]:
        # An audience no page has (a mistyped link, or junk to fill caches with): answered
        # with the default's page, which shared caches do not keep under this address.
        response["Cache-Control"] = edge.UNKNOWN_AUDIENCE_CACHE_CONTROL
        response.headers.pop("Surrogate-Key", None)
    return response


def render_page(request, found):
    """Render the page a cache lookup missed: (page, whether it may be cached), page None when
    nothing is published at the address."""
    page_data = published_page(found.slug, (request.GET.get("audience"), None))
    if page_data is None:
        return None, False
    html = render_article_page(page_data).encode()
    page = pagecache.CachedPage(
        etag=f'"{hashlib.blake2b(html, digest_size=12).hexdigest()}"',
        last_modified=page_data.last_updated.timestamp(),
        audience=page_data.audience,
        html=html,
    )
    # An unknown audience (a mistyped link, an old bookmark) is answered but not cached, so
    # requests cannot fill the cache with copies of one page.
    return page, found.audience in (page_data.audience, pagecache.DEFAULT_AUDIENCE)


def redirect_to_current_address(request, slug, *, view="articles:detail"):
    """A permanent redirect from an article's earlier address to its current one, keeping the
    query string; Http404 when nothing was ever published at `slug`."""
    address = current_address(slug)
    if address is None:
        raise Http404("No published article has that address.")
    url = reverse(view, args=[address])
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


def render_article_page(page):
    """The whole article page as HTML; the same for every reader of this round and audience.

    `page` is a reviews.pages.PublishedPage.
    """
    article_url, ask_url = article_addresses(get_script_prefix(), page.slug)
    canonical = (
        article_url
        if page.audience == page.default_audience
        else f"{article_url}?audience={page.audience}"
    )
    context = {
        "page": page,
        "pending": not page.is_approved,
        "steps": page.review_steps,
        "top_disclaimers": [disclaimer_html(body) for body in page.disclaimers_at("top")],
        "bottom_disclaimers": [disclaimer_html(body) for body in page.disclaimers_at("bottom")],
        "article_url": article_url,
        "ask_url": ask_url,
        "canonical_url": absolute_url(canonical),
        "json_ld": json.dumps(
            article_json_ld(page, absolute_url(article_url)),
            ensure_ascii=False,
        )
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026"),
        "question_fields": question_fields(page.audience),
        **site_links(),
    }
    return render_to_string("publishing/article_detail.html", context, request=None)


# Both are the same for every page that shows them, so each is rendered once per process.
disclaimer_html = lru_cache(maxsize=256)(render_markdown)


@lru_cache(maxsize=1024)
def article_addresses(script_prefix, slug):
    """The article page's address and its question form's, under `script_prefix` (which
    reverse() reads): worked out once per process, not on every page."""
    return reverse("articles:detail", args=[slug]), reverse("articles:ask", args=[slug])


@lru_cache(maxsize=32)
def question_fields(audience):
    """The question form's fields for readers of `audience` (a slug from a frozen snapshot)."""
    form = QuestionForm(initial={"audience": audience})
    return mark_safe(render_to_string("publishing/_question_fields.html", {"question_form": form}))


@require_safe
def search(request):
    # Spaces alone are no query (the page then says "0 results for “  ”"); the words shown
    # are the words searched, at most as many as the search box takes.
    text = request.GET.get("q", "").strip()[:SEARCH_LENGTH]
    results = listed_rounds().search(text) if text else ReviewRound.objects.none()
    page_obj = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"q": text, "page_obj": page_obj, "more_than": MAX_RANKED}
    response = render(request, "publishing/search.html", context)
    return public_cache_headers(request, response)


@require_safe
def editorial_policy(request):
    policy = get_object_or_404(SitePage, slug=SitePage.EDITORIAL_POLICY)
    response = render(
        request,
        "publishing/sitepage_detail.html",
        {"site_page": policy, "body_html": render_markdown(policy.body)},
    )
    return public_cache_headers(request, response)


@require_safe
def article_api(request, slug):
    page = published_page(slug, every_audience=True)
    if page is None:
        try:
            moved = redirect_to_current_address(request, slug, view="articles:api_detail")
        except Http404:
            # A program asked: it gets JSON it can read, not the readers' HTML page.
            missing = JsonResponse({"error": "No published article has that address."}, status=404)
            return public_cache_headers(request, missing, keys=[edge.NOT_FOUND_KEY], not_found=True)
        return public_cache_headers(request, moved, keys=[edge.article_surrogate_key(slug)])
    url = absolute_url(reverse("articles:detail", args=[slug]))
    response = JsonResponse(article_api_data(page, url), json_dumps_params={"indent": 1})
    return public_cache_headers(request, response, keys=[edge.article_surrogate_key(slug)])


# Readers ask without an account, and the page carrying the form is cached and shared, so it
# cannot hold a per-visitor CSRF token. The form changes nothing but the editors' inbox; a
# honeypot, a length limit and a per-address rate limit guard it instead.
@csrf_exempt
@require_POST
def ask_question(request, slug):
    review_round = published_round_or_404(slug)
    form = QuestionForm(request.POST)
    rate_key = f"vetted:questions:{client_address(request) or 'unknown'}"
    if form.is_valid() and not form.cleaned_data["website"]:
        if asked_too_often(rate_key):
            return render(
                request,
                "publishing/question_result.html",
                {**question_context(review_round), "limited": True},
                status=429,
            )
        Question.objects.create(
            article_id=review_round.article_id,
            audience_slug=form.cleaned_data["audience"],
            text=form.cleaned_data["text"],
        )
        return redirect("articles:question_thanks", slug=slug)
    if form.is_valid():
        # The honeypot was filled in: a bot. Answer as if it worked and store nothing.
        return redirect("articles:question_thanks", slug=slug)
    return render(
        request,
        "publishing/question_result.html",
        {**question_context(review_round), "form": form},
        status=400,
    )


def question_context(review_round):
    """What the question pages show of the article: its title as approved and its address."""
    return {"article": review_round.snapshot["article"], "address": review_round.slug}


def asked_too_often(rate_key):
    """Count one question from this address; True past QUESTION_LIMIT this hour.

    When the cache cannot be reached the question is let through (and logged): a reader's
    question matters more than an hour's spam limit, and the honeypot still stands.
    """
    try:
        cache.add(rate_key, 0, timeout=3600)
        return cache.incr(rate_key) > QUESTION_LIMIT
    except CACHE_ERRORS as error:
        logger.warning("Question accepted without its rate limit: %s", error)
        return False


@require_safe
def question_thanks(request, slug):
    review_round = published_round_or_404(slug)
    return render(request, "publishing/question_result.html", question_context(review_round))


@require_safe
def robots_txt(request):
    """What crawlers may read: every public page, not the staff's admin nor the JSON API's
    copies of the pages (the pages themselves carry the same text), and where the sitemap is."""
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        f"Disallow: {reverse('articles:api_detail', args=['x']).removesuffix('x/')}",
        "",
        f"Sitemap: {absolute_url(reverse('sitemap'))}",
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    return public_cache_headers(request, response)


@require_safe
def board(request):
    members = BoardMember.objects.filter(active=True, user__is_active=True)
    response = render(request, "publishing/board.html", {"members": members})
    return public_cache_headers(request, response)
