"""What the article admin and the review-round admin share: the workflow buttons, the state
badge and the preview of a frozen round."""

import copy

from django.template.response import TemplateResponse
from django.utils.html import format_html

from articles.models import Disclaimer
from articles.rendering import render_markdown
from reviews import workflow
from reviews.models import BoardMember, ReviewComment, ReviewEvent, ReviewRound, State

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


def asks_to_confirm(request, action, review_round):
    """Whether this POST of `action` is an approval still to be confirmed: only one the person
    may make, so a refusal (the four-eyes rule, a state) is said at once, not after a yes."""
    return (
        action == Action.APPROVE
        and request.POST.get("confirm") != "yes"
        and Action.APPROVE in workflow.allowed_actions(review_round, request.user)
    )


def confirm_approval(request, model_admin, review_round):
    """Approving puts a round in front of readers: the page that asks once more, keeping the
    note typed so far. Its form posts to the round's approve action with confirm=yes, from
    whichever page (the article's or the round's) the approval started."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Approve round {review_round.number}?",
        "opts": ReviewRound._meta,
        "original": review_round,
        "round": review_round,
        "note": request.POST.get("note", ""),
        "open_required": ReviewComment.objects.open()
        .filter(round=review_round, kind=ReviewComment.Kind.REQUIRED)
        .count(),
    }
    return TemplateResponse(request, "admin/reviews/confirm_approve.html", context)


def unlisted_approver_note(user, actions):
    """What to say beside an Approve button that `user` may press without an active board
    profile (a superuser, or a board-group account nobody gave one): readers would see their
    user name as the reviewer, and the advisory board page would not list them. None when the
    button is not offered or the profile exists (one query then, none otherwise)."""
    if Action.APPROVE not in actions:
        return None
    if BoardMember.objects.filter(user=user, active=True).exists():
        return None
    return (
        f"You have no board member profile: if you approve, readers see your user name, "
        f"“{user.get_username()}”, as the reviewer, and the advisory board page does not list "
        "you. A site admin adds profiles under Board members."
    )


def state_changed_message(review_round):
    """What the desk says after a workflow button worked, in a sentence that reads."""
    if review_round.state == State.CHANGES_REQUESTED:
        return f"Changes are now requested on round {review_round.number}."
    return f"Round {review_round.number} is now {review_round.get_state_display().lower()}."


def state_badge(state):
    if not state:
        return format_html('<span class="state-badge state-draft">{}</span>', "Draft")
    return format_html('<span class="state-badge state-{}">{}</span>', state, State(state).label)


def reader_status_badge(status):
    """A reviews.status.ArticleStatus as a badge: its label, with the detail to read."""
    return format_html(
        '<span class="reader-status reader-status-{}" title="{}">{}</span>',
        status.code,
        status.detail,
        status.detail,
    )


# The draft's fields the live preview takes as typed.
PREVIEW_FIELDS = ("title", "summary", "evidence_note")


def draft_preview_context(article, data):
    """The context of the desk's live preview: `article` with the texts in `data` (a form's
    POST: title, summary, body, evidence_note, audience) in place of its saved ones, frozen
    as a submission would be and rendered for the chosen audience, with that audience's
    disclaimers. Nothing is saved. Raises ReviewError when there is nothing to render for."""
    draft = copy.copy(article)
    for name in PREVIEW_FIELDS:
        if name in data:
            setattr(draft, name, data[name])
    frozen = workflow.freeze(draft, body=data.get("body", article.body))
    context = preview_context(frozen.snapshot, frozen.rendered, data.get("audience"))
    approved = last_approved_round(article.pk)
    disclaimers = Disclaimer.objects.for_audience(context["audience"])
    return {
        **context,
        "problems": frozen.problems,
        "last_approved": approved,
        "top_disclaimers": [
            render_markdown(d.body) for d in disclaimers if d.placement == Disclaimer.Placement.TOP
        ],
        "bottom_disclaimers": [
            render_markdown(d.body)
            for d in disclaimers
            if d.placement == Disclaimer.Placement.BOTTOM
        ],
    }


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
