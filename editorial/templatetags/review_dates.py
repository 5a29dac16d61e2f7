"""`{% review_dashboard %}`: the admin index panel of review figures, drawn as inline SVG.

The charts are laid out here, server-side, as SVG attributes and classes: no script and no
style attribute, so they pass the admin's content security policy and print as they show.
"""

from django import template
from django.urls import reverse
from django.utils import timezone

from editorial.admin.review_dates import (
    approval_days,
    bucket_counts,
    bucket_of,
    median_days,
    review_state_counts,
)
from reviews.models import DUE_WINDOW_DAYS, ArticleReviewDate

register = template.Library()

# Horizontal bars (articles per state).
ROW_HEIGHT, BAR_HEIGHT, LABEL_WIDTH, BAR_SPACE, CHART_WIDTH = 22, 16, 130, 150, 320
# Vertical bars (days to approval).
COLUMN_WIDTH, COLUMN_GAP, COLUMN_SPACE, HISTOGRAM_TOP, HISTOGRAM_HEIGHT = 40, 12, 70, 16, 110


def state_bars(counts):
    largest = max((count for _, _, count in counts), default=0) or 1
    bars = []
    for row, (state, label, count) in enumerate(counts):
        width = round(BAR_SPACE * count / largest)
        y = row * ROW_HEIGHT
        bars.append(
            {
                "state": state,
                "label": label,
                "count": count,
                "y": y,
                "text_y": y + BAR_HEIGHT - 3,
                "bar_x": LABEL_WIDTH,
                "width": width,
                "count_x": LABEL_WIDTH + width + 6,
            }
        )
    return {"bars": bars, "width": CHART_WIDTH, "height": len(counts) * ROW_HEIGHT}


def histogram(buckets, median_bucket):
    largest = max((count for _, count in buckets), default=0) or 1
    columns = []
    baseline = HISTOGRAM_TOP + COLUMN_SPACE
    for index, (label, count) in enumerate(buckets):
        height = round(COLUMN_SPACE * count / largest)
        x = index * (COLUMN_WIDTH + COLUMN_GAP)
        columns.append(
            {
                "label": label,
                "count": count,
                "x": x,
                "middle": x + COLUMN_WIDTH // 2,
                "y": baseline - height,
                "height": height,
                "count_y": baseline - height - 4,
                "label_y": baseline + 16,
                "is_median": index == median_bucket,
            }
        )
    width = len(buckets) * (COLUMN_WIDTH + COLUMN_GAP) - COLUMN_GAP
    return {"columns": columns, "width": width, "height": HISTOGRAM_HEIGHT, "baseline": baseline}


@register.inclusion_tag("admin/reviews/_review_dashboard.html")
def review_dashboard(now=None):
    """Articles per review state, days from submission to approval, and how many reviews are
    due — a constant number of queries however many articles and rounds there are."""
    now = now or timezone.now()
    counts = review_state_counts()
    days = approval_days()
    median = median_days(days)
    return {
        "states": state_bars(counts),
        "total": sum(count for _, _, count in counts),
        "approvals": len(days),
        "median": median,
        "histogram": histogram(bucket_counts(days), bucket_of(median)),
        "due_count": ArticleReviewDate.objects.due_for_review(now=now).count(),
        "due_window": DUE_WINDOW_DAYS,
        "due_url": reverse("admin:reviews_articlereviewdate_changelist"),
    }
