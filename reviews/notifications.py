"""E-mail about review rounds. Called by the workflow only after its transaction commits."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import BadHeaderError, send_mail
from django.urls import reverse

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


def round_decided(review_round):
    """Tell the submitter what the board decided, with the reviewer's note."""
    decided = review_round.get_state_display().lower()
    body = (
        f"Round {review_round.number} of “{review_round.article.title}” was {decided} by "
        f"{review_round.decided_by.get_username()}.\n\n"
        f"Reviewer's note: {review_round.decision_note or '(none)'}\n\n"
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
