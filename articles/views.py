"""Public pages. They read only what readers may see: published review rounds."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from articles.models import Audience
from reviews.models import ReviewRound

AUDIENCE_COOKIE = "audience"


@require_safe
def home(request):
    rounds = ReviewRound.objects.published().select_related("article").order_by("-submitted_at")
    return render(request, "articles/home.html", {"rounds": rounds[:20]})


@require_safe
def article_detail(request, slug):
    review_round = (
        ReviewRound.objects.published().filter(article__slug=slug).select_related("article").first()
    )
    if review_round is None:
        raise Http404("No published article has that address.")
    audiences = review_round.snapshot["audiences"]
    slugs = {audience["slug"] for audience in audiences}
    chosen = request.GET.get("audience") or request.COOKIES.get(AUDIENCE_COOKIE)
    if chosen not in slugs:
        chosen = review_round.snapshot["default_audience"]
    response = render(
        request,
        "articles/article_detail.html",
        {
            "round": review_round,
            "article": review_round.snapshot["article"],
            "audiences": audiences,
            "audience": chosen,
            "content": review_round.rendered_for(chosen),
        },
    )
    if request.GET.get("audience") in slugs:
        response.set_cookie(
            AUDIENCE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


__all__ = ["Audience"]
