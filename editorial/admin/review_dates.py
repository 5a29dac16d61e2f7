"""Review dates in the admin: the list of articles due for review, and the figures behind the
admin index panel (articles per review state, median days from submission to approval).

Reads only; the queries live here or on ArticleReviewDate's QuerySet, the drawing in
reviews/templatetags/review_dates.py.
"""

import statistics

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from articles.models import Article
from editorial.admin.base import ReadOnlyAdmin
from reviews.models import DUE_WINDOW_DAYS, ArticleReviewDate, ReviewRound, State

# The order states are shown in, from the start of an article's life to its end.
STATE_ORDER = [
    ("draft", "Draft"),
    (State.SUBMITTED, State.SUBMITTED.label),
    (State.UNDER_REVIEW, State.UNDER_REVIEW.label),
    (State.CHANGES_REQUESTED, State.CHANGES_REQUESTED.label),
    (State.APPROVED, State.APPROVED.label),
    (State.WITHDRAWN, State.WITHDRAWN.label),
    (State.SUPERSEDED, State.SUPERSEDED.label),
]
# Buckets of days from submission to approval, for the small histogram: (label, up to days).
APPROVAL_BUCKETS = [
    ("≤ 7", 7),
    ("8–14", 14),
    ("15–30", 30),
    ("31–60", 60),
    ("61–90", 90),
    ("> 90", None),
]


def review_state_counts():
    """[(state, label, count)] of articles by the state of their newest round, in STATE_ORDER;
    "draft" counts articles never submitted. One query."""
    newest = ReviewRound.objects.filter(article=OuterRef("pk")).order_by("-number")
    rows = (
        Article.objects.annotate(state=Subquery(newest.values("state")[:1]))
        .values("state")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts = {row["state"] or "draft": row["count"] for row in rows}
    return [
        (state, label, counts.get(state, 0))
        for state, label in STATE_ORDER
        # Superseded and withdrawn rounds are rarely the newest: show them only when they are.
        if counts.get(state) or state not in (State.WITHDRAWN, State.SUPERSEDED)
    ]


def approval_days():
    """Days from submission to approval of every approved round, as floats. One query."""
    return [
        (decided - submitted).total_seconds() / 86400
        for submitted, decided in ReviewRound.objects.filter(state=State.APPROVED)
        .order_by()
        .values_list("submitted_at", "decided_at")
    ]


def median_days(days):
    """The median of `days`, to one decimal place; None for no days."""
    return round(statistics.median(days), 1) if days else None


def bucket_counts(days):
    """[(label, count)] of `days` in APPROVAL_BUCKETS."""
    counts = [0] * len(APPROVAL_BUCKETS)
    for value in days:
        for index, (_, upper) in enumerate(APPROVAL_BUCKETS):
            if upper is None or value <= upper:
                counts[index] += 1
                break
    return [(label, count) for (label, _), count in zip(APPROVAL_BUCKETS, counts, strict=True)]


def bucket_of(value):
    """The index in APPROVAL_BUCKETS of `value` days (None for None)."""
    if value is None:
        return None
    return next(
        index
        for index, (_, upper) in enumerate(APPROVAL_BUCKETS)
        if upper is None or value <= upper
    )


@admin.register(ArticleReviewDate)
class ReviewDateAdmin(ReadOnlyAdmin):
    """Articles whose next review falls due within DUE_WINDOW_DAYS days, or is overdue."""

    list_display = ["article", "approved_on", "review_interval_months", "due_on", "due_status"]
    list_display_links = None
    search_fields = ["title", "slug"]

    def get_queryset(self, request):
        return ArticleReviewDate.objects.due_for_review(now=timezone.now())

    def get_ordering(self, request):
        # due_for_review orders by due date; the admin's default ordering would undo that.
        return []

    @admin.display(description="Article", ordering="title")
    def article(self, article):
        url = reverse("admin:articles_article_change", args=[article.pk])
        return format_html('<a href="{}">{}</a>', url, article.title)

    @admin.display(description="Last approved", ordering="last_approved_at")
    def approved_on(self, article):
        return timezone.localdate(article.last_approved_at)

    @admin.display(description="Review due")
    def due_on(self, article):
        return article.next_review_due

    @admin.display(description="Status")
    def due_status(self, article):
        days = (article.next_review_due - timezone.localdate()).days
        if days < 0:
            return format_html(
                '<span class="review-overdue">Overdue by {} day{}</span>',
                -days,
                "" if days == -1 else "s",
            )
        if days == 0:
            return format_html('<span class="review-overdue">{}</span>', "Due today")
        return f"Due in {days} day{'' if days == 1 else 's'}"

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": f"Reviews due within {DUE_WINDOW_DAYS} days or overdue",
        }
        return super().changelist_view(request, extra_context)

    # A read-only report: articles are edited in their own admin.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article")
