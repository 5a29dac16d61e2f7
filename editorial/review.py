"""What the article admin and the review-round admin share: the workflow buttons, the state
badge and the preview of a frozen round."""

from django.utils.html import format_html

from reviews import workflow
from reviews.models import ReviewEvent, ReviewRound, State

Action = ReviewEvent.Action

WORKFLOW_FUNCTIONS = {
    Action.START_REVIEW: lambda review_round, user, note: workflow.start_review(
        review_round, by=user
    ),
    Action.APPROVE: lambda review_round, user, note: workflow.approve(
        review_round, by=user, note=note
    ),
    Action.REQUEST_CHANGES: lambda review_round, user, note: workflow.request_changes(
        review_round, by=user, note=note
    ),
    Action.WITHDRAW: lambda review_round, user, note: workflow.withdraw(review_round, by=user),
}

BUTTON_LABELS = {
    Action.SUBMIT: "Submit for review",
    Action.START_REVIEW: "Start review",
    Action.APPROVE: "Approve",
    Action.REQUEST_CHANGES: "Request changes",
    Action.WITHDRAW: "Withdraw",
}


def state_badge(state):
    if not state:
        return format_html('<span class="state-badge state-draft">{}</span>', "Draft")
    return format_html('<span class="state-badge state-{}">{}</span>', state, State(state).label)


def preview_context(snapshot, rendered, audience_slug):
    slugs = [audience["slug"] for audience in snapshot["audiences"]]
    chosen = audience_slug if audience_slug in slugs else snapshot["default_audience"]
    return {
        "snapshot": snapshot,
        "article": snapshot["article"],
        "audiences": snapshot["audiences"],
        "audience": chosen,
        "content": rendered["audiences"][chosen],
    }


def last_approved_round(article_id):
    return (
        ReviewRound.objects.filter(article_id=article_id, state=State.APPROVED)
        .order_by("-number")
        .first()
    )
