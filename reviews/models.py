"""Review rounds: frozen snapshots of an article that the advisory board reviews.

State changes happen only in reviews.workflow; this module holds the data and the read-side
QuerySet methods, including the one the public pages use to find what readers may see.
"""

import calendar
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.utils import timezone
from reversion.models import Revision

from articles.models import Article, Topic
from references.models import Reference
from reviews.search import search_rounds


class BoardMember(models.Model):
    """A member of the medical advisory board, as readers see them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="board_member",
        help_text=(
            "The account they review with: a user with staff status in the Advisory board "
            "group (add it under Users first). Their approvals show this profile's name and "
            "credentials to readers."
        ),
    )
    display_name = models.CharField(
        max_length=200, help_text="As shown to readers, e.g. 'Dr Ana Ruiz'."
    )
    credentials = models.CharField(max_length=100, blank=True, help_text="e.g. 'MD, PhD'.")
    specialty = models.CharField(max_length=200, blank=True)
    bio = models.TextField(blank=True, max_length=5000)
    conflicts = models.TextField(
        "conflict-of-interest statement", blank=True, max_length=5000, default="None declared."
    )
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "display_name"]

    def __str__(self):
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name


class Revert(models.Model):
    """A note on a revision that restored an older one (django-reversion meta data).

    The admin's history views add it to every revert, so the four-eyes rule can follow
    restored text back to the people who first wrote it (reviews.workflow.round_authors).
    """

    # Not related_name="revert": that would hide Revision.revert().
    revision = models.OneToOneField(
        Revision, on_delete=models.CASCADE, related_name="revert_record"
    )
    # PROTECT: pruning the restored revision would hide who wrote the restored text.
    restored = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")

    def __str__(self):
        return f"Revision {self.revision_id} restored revision {self.restored_id}"


class State(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SUPERSEDED = "superseded", "Superseded"


OPEN_STATES = (State.SUBMITTED, State.UNDER_REVIEW)
# Longest notes the workflow takes (a note for the board, a decision note) and the longest
# public "what changed" line.
NOTE_LENGTH = 5000
WHAT_CHANGED_LENGTH = 300


def add_months(moment, months):
    """`moment` moved by whole calendar months, clamped to the end of a shorter month."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class ReviewRoundQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def awaiting_review(self):
        """Rounds the board still has to decide, oldest submission first."""
        return self.open().order_by("submitted_at", "pk")

    def publishable(self):
        """Rounds a reader may be shown: approved ones, and an open one when the article's last
        approved round allows pending publication and the open round keeps its address.

        The board decides both when it approves: an editor's new setting or address reaches
        readers only with an approved round.
        """
        last_approved = ReviewRound.objects.filter(
            article=OuterRef("article"), state=State.APPROVED
        ).order_by("-decided_at", "-pk")
        return self.annotate(
            pending_allowed=Subquery(last_approved.values("allow_pending_publication")[:1]),
            approved_slug=Subquery(last_approved.values("slug")[:1]),
        ).filter(
            Q(state=State.APPROVED)
            | Q(state__in=OPEN_STATES, pending_allowed=True, slug=F("approved_slug"))
        )

    def newest_publishable(self):
        """Per article, the newest round a reader may be shown: the one to publish.

        The rule reviews.workflow.mark_published applies to decide which round `is_published`
        marks; it scans every round of the article, so readers' pages use published() instead.
        """
        newest = (
            ReviewRound.objects.publishable()
            .filter(article=OuterRef("article"))
            .order_by("-submitted_at", "-pk")
            .values("pk")[:1]
        )
        return self.filter(pk=Subquery(newest))

    def published(self):
        """The one round per article that readers see (kept by reviews.workflow.publish).

        This is the only way the public pages read review data.
        """
        return self.filter(is_published=True)

    def search(self, text):
        """Rounds matching `text`, best first, each annotated with a highlighted `snippet`."""
        return search_rounds(self, text)


class ReviewRound(models.Model):
    """One submission of an article: an immutable snapshot plus the board's decision on it."""

    State = State

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="review_rounds")
    number = models.PositiveIntegerField(
        help_text="1 for an article's first submission, and so on."
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.SUBMITTED)
    # The frozen part: written once by workflow.submit, never changed afterwards.
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    snapshot = models.JSONField(help_text="Title, summary, body, audiences and cited references.")
    rendered = models.JSONField(help_text="HTML rendered from the snapshot, per audience.")
    snapshot_sha256 = models.CharField("snapshot SHA-256", max_length=64)
    note = models.TextField(
        "note for the board",
        blank=True,
        max_length=NOTE_LENGTH,
        help_text="Internal: what the board should know. Never shown to readers.",
    )
    what_changed = models.CharField(
        "what changed",
        blank=True,
        max_length=WHAT_CHANGED_LENGTH,
        help_text="One public line for the article's update history, approved with the round.",
    )
    # The draft's publication settings as submitted: like the text, they reach readers only
    # with an approved round (see ReviewRoundQuerySet.publishable).
    slug = models.SlugField("address", max_length=200)
    allow_pending_publication = models.BooleanField(default=False)
    review_interval_months = models.PositiveSmallIntegerField(default=12)
    # The topics in the snapshot, as rows: public topic pages list an article under the topics
    # its published round was submitted with, not under the draft's.
    topics = models.ManyToManyField(Topic, blank=True, related_name="review_rounds")
    # The library rows the snapshot's references were copied from. A key can be renamed after
    # submission; the four-eyes rule (reviews.workflow.round_authors) follows these rows.
    cited_references = models.ManyToManyField(Reference, blank=True, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    # The board's side.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The board member who started the review.",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=NOTE_LENGTH)
    # Who approved it, as readers see them, frozen at approval time.
    approver_name = models.CharField(max_length=200, blank=True)
    approver_credentials = models.CharField(max_length=100, blank=True)
    # Search: the plain text of every audience's body, frozen with the snapshot; on PostgreSQL
    # also a weighted tsvector of title, summary and body (see reviews.search).
    search_body = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    # Whether readers see this round now: the article's newest publishable round. Written only
    # by reviews.workflow.mark_published, in the transaction that changes what is publishable.
    is_published = models.BooleanField(default=False, editable=False)

    objects = ReviewRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        get_latest_by = "submitted_at"
        permissions = [
            ("submit_round", "Can submit articles for review and withdraw them"),
            ("decide_round", "Can start reviews, approve and request changes"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(state__in=OPEN_STATES),
                name="reviewround_one_open_per_article",
            ),
            models.UniqueConstraint(fields=["article", "number"], name="reviewround_unique_number"),
            # Also the index that finds an article's published round.
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(is_published=True),
                name="reviewround_one_published_per_article",
            ),
            # Also the index that finds the published round at an address.
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(is_published=True),
                name="reviewround_one_published_per_address",
            ),
            models.CheckConstraint(
                condition=Q(review_interval_months__gte=1) & Q(review_interval_months__lte=60),
                name="reviewround_review_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="reviewround_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=State.APPROVED)
                | (Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
                name="reviewround_approval_recorded",
            ),
        ]
        indexes = [
            models.Index(fields=["article", "state", "submitted_at"]),
            # Earlier addresses of an article, to redirect them (reviews.pages.current_address).
            models.Index(fields=["slug", "state"], name="reviewround_address"),
            # The review queue's order.
            models.Index(fields=["submitted_at", "id"], name="reviewround_queue_order"),
            # The newest published rounds (home page, feeds, topic pages).
            models.Index(
                fields=["-decided_at", "-submitted_at"],
                condition=Q(is_published=True),
                name="reviewround_published_recent",
            ),
        ]

    def __str__(self):
        return f"{self.article} — round {self.number} ({self.get_state_display()})"

    @property
    def is_approved(self):
        return self.state == State.APPROVED

    def rendered_for(self, audience_slug):
        """The frozen HTML for one audience (the default audience's when it has none)."""
        return (
            self.rendered["audiences"].get(audience_slug)
            or self.rendered["audiences"][self.rendered["default_audience"]]
        )


class AuditEvent(models.Model):
    """A row of an audit trail: an `action` by an `actor` at `created_at`, written once and
    never changed or deleted. `rows_name` names the rows in the refusals."""

    rows_name = "Events"

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        # The audit trail is append-only: a row, once written, is never rewritten.
        if self.pk is not None:
            raise ValueError(f"{self.rows_name} are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{self.rows_name} are append-only and cannot be deleted.")


class ReviewEvent(AuditEvent):
    """An append-only record of one transition of one round."""

    rows_name = "Review events"

    class Action(models.TextChoices):
        SUBMIT = "submit", "Submitted"
        START_REVIEW = "start_review", "Started review"
        APPROVE = "approve", "Approved"
        REQUEST_CHANGES = "request_changes", "Requested changes"
        WITHDRAW = "withdraw", "Withdrew"
        SUPERSEDE = "supersede", "Superseded by a newer submission"

    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True, max_length=NOTE_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]


class RetractionAlert(models.Model):
    """The board was told that a published article cites a reference found retracted.

    One row per (article, reference), written in the transaction that marks the reference
    retracted, so the board hears of each pair once, however often the retractions are imported
    again; the e-mail goes out after the commit, one per article.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    reference = models.ForeignKey(Reference, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(
        "ReviewRound",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The published round that cites it, when the board was told.",
    )
    created_at = models.DateTimeField("told on", default=timezone.now)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "reference"], name="retraction_alert_once_per_reference"
            )
        ]

    def __str__(self):
        return f"[@{self.reference.key}] retracted, cited by article {self.article_id}"


# Review dates: when each approved article falls due for its next review.

DUE_WINDOW_DAYS = 30
# The review intervals the article_review_interval_range constraint allows.
MIN_REVIEW_INTERVAL, MAX_REVIEW_INTERVAL = 1, 60


def latest_approval_due_by(cutoff, months):
    """The latest approval date whose review, `months` later, falls due on or before `cutoff`.

    add_months clamps to the end of a shorter month, so when `cutoff` is the last day of its
    month every approval in the last days of the earlier month falls due on it too.
    """
    source = add_months(cutoff, -months)
    if cutoff.day == calendar.monthrange(cutoff.year, cutoff.month)[1]:
        source = source.replace(day=calendar.monthrange(source.year, source.month)[1])
    return source


class ReviewDateQuerySet(models.QuerySet):
    def with_last_approval(self):
        """Annotate `last_approved_at`: when the newest approved round was approved (or None)."""
        newest = ReviewRound.objects.filter(article=OuterRef("pk"), state=State.APPROVED).order_by(
            "-number"
        )
        return self.annotate(last_approved_at=Subquery(newest.values("decided_at")[:1]))

    def due_for_review(self, *, now, within_days=DUE_WINDOW_DAYS):
        """Approved articles whose next review falls due within `within_days` days of `now`'s
        local date, or is overdue; soonest due first. One query, however many rows.

        The due date is the local date of the newest approval plus the article's review
        interval (add_months). Month arithmetic differs between databases, so the filter asks
        instead, for each allowed interval, whether the approval came before a cutoff date
        worked out here.
        """
        cutoff = timezone.localdate(now) + timedelta(days=within_days)
        due = Q(pk__in=[])
        for months in range(MIN_REVIEW_INTERVAL, MAX_REVIEW_INTERVAL + 1):
            last_day = latest_approval_due_by(cutoff, months) + timedelta(days=1)
            start_of_next = timezone.make_aware(datetime.combine(last_day, time.min))
            due |= Q(review_interval_months=months, last_approved_at__lt=start_of_next)
        approved = ExtractYear("last_approved_at") * 12 + ExtractMonth("last_approved_at")
        # Due month, then approval day: add_months keeps the day or clamps it, so this orders
        # by due date without month arithmetic in SQL.
        return (
            self.with_last_approval()
            .filter(due)
            .order_by(
                approved + F("review_interval_months"),
                ExtractDay("last_approved_at"),
                "last_approved_at",
                "pk",
            )
        )


class ArticleReviewDate(Article):
    """An article seen by when its next review falls due (for the admin's review-dates list)."""

    objects = ReviewDateQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "review date"
        verbose_name_plural = "review dates due"

    @property
    def next_review_due(self):
        """The local date the next review falls due; needs `last_approved_at` (annotated)."""
        if self.last_approved_at is None:
            return None
        approved_on = timezone.localdate(self.last_approved_at)
        return add_months(approved_on, self.review_interval_months)


# Comments anchored to a passage of a round (reviews.comments changes them).

COMMENT_LENGTH = 5000
QUOTE_LENGTH = 2000


class CommentQuerySet(models.QuerySet):
    def threads(self):
        """Top-level comments (not replies), each anchored to a passage."""
        return self.filter(parent__isnull=True)

    def open(self):
        return self.threads().filter(state=ReviewComment.State.OPEN)

    def readable_by(self, user):
        """Comments `user` may read: all of them for staff who may see review rounds, none
        for anyone else (readers never see a comment)."""
        if user and user.is_active and user.has_perm("reviews.view_reviewcomment"):
            return self
        return self.none()


class ReviewComment(models.Model):
    """A comment on a passage of a review round, or a reply in a comment's thread.

    Written only through reviews.comments; every change also writes a ReviewCommentEvent, and
    nothing is ever deleted.
    """

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        REQUIRED = "required", "Required change"
        SUGGESTION = "suggestion", "Suggested wording"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        OUTDATED = "outdated", "Outdated"

    # The round the comment is on now: open comments move to each new round of the article.
    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="comments")
    # The round it was first written on.
    first_round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NOTE)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    text = models.TextField(max_length=COMMENT_LENGTH)
    # The anchor: the passage as readers saw it, enough text around it to find it again, the
    # audience it was read in (blank: the shared text), and the source line it starts on.
    audience = models.SlugField(max_length=50, blank=True)
    quote = models.TextField(blank=True, max_length=QUOTE_LENGTH)
    original_quote = models.TextField(blank=True, max_length=QUOTE_LENGTH)
    context_before = models.CharField(max_length=200, blank=True)
    context_after = models.CharField(max_length=200, blank=True)
    start_line = models.PositiveIntegerField(null=True, blank=True)
    replacement = models.TextField(blank=True, max_length=QUOTE_LENGTH)
    # The saved version that applied a suggestion: its author counts as an author of any
    # round holding it (reviews.workflow.round_authors).
    applied_revision = models.ForeignKey(
        Revision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applied_suggestions",
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["start_line", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["note", "required", "suggestion"]),
                name="reviewcomment_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "resolved", "outdated"]),
                name="reviewcomment_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="suggestion") | ~Q(replacement=""),
                name="reviewcomment_suggestion_has_text",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=False) | ~Q(quote=""),
                name="reviewcomment_thread_has_quote",
            ),
            models.CheckConstraint(
                condition=~Q(state="resolved")
                | (Q(resolved_by__isnull=False) & Q(resolved_at__isnull=False)),
                name="reviewcomment_resolution_recorded",
            ),
        ]
        indexes = [models.Index(fields=["round", "state"], name="reviewcomment_round_state")]

    def __str__(self):
        if self.parent_id:
            return f"Reply by {self.author} on comment {self.parent_id}"
        return f"{self.get_kind_display()} on “{self.quote[:40]}” ({self.get_state_display()})"

    def delete(self, *args, **kwargs):
        raise ValueError("Review comments are kept for the record and cannot be deleted.")


class ReviewCommentEvent(AuditEvent):
    """An append-only record of one change to a comment: who, when, and what it was before."""

    rows_name = "Comment events"

    class Action(models.TextChoices):
        ADD = "add", "Commented"
        REPLY = "reply", "Replied"
        EDIT = "edit", "Edited"
        RESOLVE = "resolve", "Resolved"
        REOPEN = "reopen", "Reopened"
        MOVE = "move", "Carried to a new round"
        OUTDATE = "outdate", "Passage gone"
        APPLY = "apply", "Applied the suggestion"

    comment = models.ForeignKey(ReviewComment, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True, max_length=COMMENT_LENGTH)
    # What changed, e.g. {"from_round": 3, "to_round": 4, "from_line": 7, "to_line": 9}.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
