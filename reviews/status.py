"""What readers see of an article, said in one status for the desk.

One of five, decided from the article's rounds and its last save:

- draft: nothing was ever published and nothing is in review;
- in review: a round awaits the board (round N, and who reviews it once started);
- changes requested: the board sent the newest round back and nothing is published;
- live: readers see the newest round, and the draft has not been saved since it was submitted;
- live with newer changes: readers see a round, and there is more — a newer round in review
  or sent back, or a draft saved after the newest submission.

`with_reader_status(articles)` annotates a queryset (the changelist filters and orders by the
annotation, in one query); `reader_status(article)` reads one article's status.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When

from reviews.models import OPEN_STATES, ReviewRound, State


class ReaderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    LIVE = "live", "Live"
    LIVE_WITH_CHANGES = "live_with_changes", "Live with newer changes"


@dataclass(frozen=True)
class ArticleStatus:
    """An article's reader status with what the desk says about it."""

    code: str  # a ReaderStatus value
    round_number: int | None  # the newest round's number, if any
    reviewer: str  # who reviews the newest round, when it is under review
    live_number: int | None  # the number of the round readers see, if any
    saved_since_submission: bool

    @property
    def label(self):
        return ReaderStatus(self.code).label

    @property
    def detail(self):
        """The status as one line: "In review (round 3, by dr-lee)"."""
        if self.code == ReaderStatus.IN_REVIEW:
            by = f", by {self.reviewer}" if self.reviewer else ", not started"
            return f"In review (round {self.round_number}{by})"
        if self.code == ReaderStatus.CHANGES_REQUESTED:
            return f"Changes requested (round {self.round_number})"
        if self.code == ReaderStatus.LIVE:
            return f"Live (round {self.live_number})"
        if self.code == ReaderStatus.LIVE_WITH_CHANGES:
            if self.round_number != self.live_number:
                newer = f"round {self.round_number} is newer"
                if self.saved_since_submission:
                    newer += ", and the draft was saved since"
            else:
                newer = "the draft was saved since and not submitted"
            return f"Live with newer changes (readers see round {self.live_number}; {newer})"
        return "Draft (never published)"


def with_reader_status(articles):
    """`articles` (an Article queryset) annotated with `reader_status` (a ReaderStatus value)
    and what ArticleStatus needs: newest round number, state, reviewer and submission time,
    and the number of the round readers see."""
    rounds = ReviewRound.objects.filter(article=OuterRef("pk"))
    newest = rounds.order_by("-number")
    published = rounds.filter(is_published=True)
    saved_since = Q(newest_submitted_at__isnull=False, updated_at__gt=F("newest_submitted_at"))
    is_open = Q(newest_state__in=OPEN_STATES)
    return articles.annotate(
        newest_number=Subquery(newest.values("number")[:1]),
        newest_state=Subquery(newest.values("state")[:1]),
        newest_submitted_at=Subquery(newest.values("submitted_at")[:1]),
        newest_reviewer=Subquery(newest.values("reviewer__username")[:1]),
        live_number=Subquery(published.values("number")[:1]),
        is_live=Exists(published),
    ).annotate(
        reader_status=Case(
            When(
                is_live=False,
                then=Case(
                    When(is_open, then=Value(ReaderStatus.IN_REVIEW)),
                    When(
                        newest_state=State.CHANGES_REQUESTED,
                        then=Value(ReaderStatus.CHANGES_REQUESTED),
                    ),
                    default=Value(ReaderStatus.DRAFT),
                ),
            ),
            When(
                saved_since | ~Q(newest_number=F("live_number")),
                then=Value(ReaderStatus.LIVE_WITH_CHANGES),
            ),
            default=Value(ReaderStatus.LIVE),
            output_field=models.CharField(),
        ),
        saved_since_submission=Case(
            When(saved_since, then=Value(True)),
            default=Value(False),
            output_field=models.BooleanField(),
        ),
    )


def status_of(article):
    """ArticleStatus of an article read through with_reader_status()."""
    return ArticleStatus(
        code=article.reader_status,
        round_number=article.newest_number,
        reviewer=article.newest_reviewer or ""
        if article.newest_state == State.UNDER_REVIEW
        else "",
        live_number=article.live_number,
        saved_since_submission=article.saved_since_submission,
    )


def reader_status(article):
    """ArticleStatus of `article` as saved now (one query)."""
    annotated = with_reader_status(type(article).objects.filter(pk=article.pk)).get()
    return status_of(annotated)


def reader_status_counts(articles):
    """{ReaderStatus value: number of articles} over the queryset `articles`, every status
    present (zero when none)."""
    counts = dict.fromkeys(ReaderStatus.values, 0)
    rows = with_reader_status(articles).values("reader_status").annotate(n=models.Count("pk"))
    for row in rows.order_by():
        counts[row["reader_status"]] = row["n"]
    return counts
