"""E-mail about review rounds. Called by the workflow only after its transaction commits."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import BadHeaderError, send_mail
from django.urls import reverse

from reviews.models import ReviewComment

logger = logging.getLogger(__name__)


def round_submitted(review_round):
    """Tell every active board member that a round awaits review."""
    recipients = list(
        get_user_model()
        .objects.filter(board_member__active=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    article = review_round.article
    body = (
        f"{review_round.submitted_by.get_username()} submitted round {review_round.number} of "
        f"“{article.title}” for review.\n\n"
        f"Note for the board: {review_round.note or '(none given)'}\n"
        f"What changed, for readers: {review_round.what_changed or '(none given)'}\n\n"
        f"Review it here: {_admin_url(review_round)}\n"
    )
    _send(f"[Vetted] Review requested: {article.title}", body, recipients)


def review_started(review_round):
    """Tell the other active board members that someone has claimed the round."""
    reviewer = review_round.reviewer
    recipients = list(
        get_user_model()
        .objects.filter(board_member__active=True, is_active=True)
        .exclude(pk=reviewer.pk)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    body = (
        f"{_name(reviewer)} started reviewing round {review_round.number} of "
        f"“{review_round.article.title}”, so you need not pick it up.\n\n"
        f"{_admin_url(review_round)}\n"
    )
    _send(f"[Vetted] Review started: {review_round.article.title}", body, recipients)


def round_decided(review_round):
    """Tell the submitter what the board decided, with the reviewer's note and, when changes
    are requested, each open comment with the words it points at."""
    decided = review_round.get_state_display().lower()
    body = (
        f"Round {review_round.number} of “{review_round.article.title}” was {decided} by "
        f"{review_round.decided_by.get_username()}.\n\n"
        f"Reviewer's note: {review_round.decision_note or '(none)'}\n\n"
        f"{_open_comments_text(review_round)}"
        f"{_admin_url(review_round)}\n"
    )
    recipient = review_round.submitted_by.email
    _send(f"[Vetted] {decided.capitalize()}: {review_round.article.title}", body, [recipient])


def article_cites_retracted(item):
    """Tell every active board member that a published article cites references retracted
    since the board approved it (`item`: a reviews.retractions.NeedsReReview)."""
    lines = "\n".join(
        f"- {citation.message} Cited on line{'s' if len(citation.lines) > 1 else ''} "
        f"{', '.join(str(line) for line in citation.lines)}."
        for citation in item.references
    )
    path = reverse("admin:reviews_reviewround_change", args=[item.round_id])
    body = (
        f"“{item.title}”, as readers see it now (round {item.round_number}), cites "
        f"{'a reference' if len(item.references) == 1 else 'references'} retracted since the "
        f"board approved it:\n\n{lines}\n\n"
        "Readers see “Retracted” beside it in the reference list. The article needs "
        f"re-review: {settings.SITE_URL}{path}\n"
    )
    _send(f"[Vetted] Retracted reference cited: {item.title}", body, _board_addresses())


def _board_addresses():
    return list(
        get_user_model()
        .objects.filter(board_member__active=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def comment_replied(answer):
    """Tell the author of a comment that someone answered it (not when they answer themselves)."""
    thread = answer.parent
    if thread.author_id == answer.author_id:
        return
    body = (
        f"{_name(answer.author)} replied to your comment on round {answer.round.number} of "
        f"“{answer.round.article.title}”.\n\n"
        f"You commented on: “{thread.quote}”\n"
        f"You wrote: {thread.text}\n\n"
        f"The reply: {answer.text}\n\n"
        f"{_admin_url(answer.round)}\n"
    )
    _send(f"[Vetted] Reply: {answer.round.article.title}", body, [thread.author.email])


def _open_comments_text(review_round):
    comments = list(
        ReviewComment.objects.open()
        .filter(round=review_round)
        .select_related("author")
        .order_by("start_line", "pk")
    )
    if not comments:
        return ""
    lines = [f"Open comments ({len(comments)}):"]
    for number, comment in enumerate(comments, 1):
        lines.append(
            f"{number}. {comment.get_kind_display()}, line {comment.start_line}, by "
            f"{_name(comment.author)}\n   On: “{comment.quote}”\n   {comment.text}"
        )
        if comment.replacement:
            lines.append(f"   Suggested wording: “{comment.replacement}”")
    return "\n".join(lines) + "\n\n"


def _name(user):
    member = getattr(user, "board_member", None)
    return member.display_name if member else (user.get_full_name() or user.get_username())


def _admin_url(review_round):
    path = reverse("admin:reviews_reviewround_change", args=[review_round.pk])
    return f"{settings.SITE_URL}{path}"


def _send(subject, body, recipients):
    recipients = [address for address in recipients if address]
    if not recipients:
        return
    # A header cannot hold a line break; titles are typed by people.
    subject = " ".join(subject.split())
    try:
        send_mail(subject, body, None, recipients)
    except (OSError, BadHeaderError):
        # The decision is already committed; a mail outage must not turn it into an error page.
        logger.exception("Could not send review e-mail %r to %s", subject, recipients)
