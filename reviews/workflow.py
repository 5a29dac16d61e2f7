"""The review workflow: the only place a review round changes state.

Every public function is atomic, locks the rows it changes, checks the actor's role and the
round's state against TRANSITIONS, writes a ReviewEvent in the same transaction and returns the
changed round. E-mail goes out only after the transaction commits.
"""

from dataclasses import dataclass, field
from functools import cached_property

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import CharField, Max, Q
from django.db.models.functions import Cast
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, Audience, Topic
from articles.rendering import Diagnostic, check
from references.citations import cited_keys
from references.models import Reference
from reviews import notifications
from reviews.models import (
    NOTE_LENGTH,
    OPEN_STATES,
    WHAT_CHANGED_LENGTH,
    ReviewComment,
    ReviewEvent,
    ReviewRound,
    State,
)
from reviews.search import index_round, searchable_body
from reviews.signals import published_changed
from reviews.snapshots import build_snapshot, render_snapshot, snapshot_digest

Action = ReviewEvent.Action

# Which states each action may start from, and the state it leads to.
TRANSITIONS = {
    Action.START_REVIEW: ({State.SUBMITTED}, State.UNDER_REVIEW),
    Action.APPROVE: ({State.UNDER_REVIEW}, State.APPROVED),
    Action.REQUEST_CHANGES: ({State.UNDER_REVIEW}, State.CHANGES_REQUESTED),
    Action.WITHDRAW: ({State.SUBMITTED, State.UNDER_REVIEW}, State.WITHDRAWN),
    Action.SUPERSEDE: ({State.SUBMITTED, State.UNDER_REVIEW}, State.SUPERSEDED),
}

SUBMIT_PERMISSION = "reviews.submit_round"
DECIDE_PERMISSION = "reviews.decide_round"
PERMISSIONS = {
    Action.SUBMIT: SUBMIT_PERMISSION,
    Action.WITHDRAW: SUBMIT_PERMISSION,
    Action.START_REVIEW: DECIDE_PERMISSION,
    Action.APPROVE: DECIDE_PERMISSION,
    Action.REQUEST_CHANGES: DECIDE_PERMISSION,
}

# How each action reads in an error message: "Cannot approve round 2 …".
VERBS = {
    Action.SUBMIT: "submit",
    Action.START_REVIEW: "start reviewing",
    Action.APPROVE: "approve",
    Action.REQUEST_CHANGES: "request changes to",
    Action.WITHDRAW: "withdraw",
    Action.SUPERSEDE: "supersede",
}

# Board actions that a person who wrote the round's text may not take (the four-eyes rule).
INDEPENDENT_ACTIONS = {Action.START_REVIEW, Action.APPROVE}


class ReviewError(Exception):
    """Base class of every error the workflow raises on purpose."""


class InvalidTransition(ReviewError):
    """The round is not in a state that allows the requested step."""


class ConflictOfInterest(ReviewError, PermissionDenied):
    """The actor wrote or submitted the text under review and so may not decide on it."""


class OpenRequiredChanges(ReviewError):
    """The board required changes on the round that are not resolved yet."""

    def __init__(self, review_round, comments):
        self.comments = list(comments)
        listed = "; ".join(
            f"line {comment.start_line}: “{comment.quote[:60]}” ({comment.author.get_username()})"
            for comment in self.comments
        )
        count = len(self.comments)
        super().__init__(
            f"Round {review_round.number} still has {count} open required "
            f"change{'s' if count != 1 else ''}: {listed}. Resolve "
            f"{'them' if count != 1 else 'it'} before approving."
        )


class AddressTaken(ReviewError):
    """Another article was published at the address the draft asks for."""


class InvalidNote(ReviewError):
    """A note or public line is too long or holds characters that cannot be stored."""


class ContentProblems(ReviewError):
    """The article's text has problems that must be fixed before it can be submitted."""

    def __init__(self, diagnostics):
        self.diagnostics = list(diagnostics)
        lines = "; ".join(diagnostic.message for diagnostic in self.diagnostics)
        super().__init__(f"The article cannot be submitted: {lines}")


class TextTooLong(ContentProblems):
    """A field of the draft is longer than its limit (possible only where forms were bypassed,
    as by a shell or an older import)."""


class UnresolvedCitations(ContentProblems):
    """At least one citation names a key that is not in the reference library."""


class MalformedBlocks(ContentProblems):
    """An audience block is unclosed, nested, stray or names an unknown audience."""


def submit(article, *, by, note="", what_changed=""):
    """Freeze the article's saved text and publication settings (address, review interval,
    pending publication) into a new round awaiting review, and return it.

    `note` is for the board only; `what_changed` is the public line of the update history
    that readers see once the board approves the round. Supersedes any open round of the
    article. Raises PermissionDenied when `by` may not submit, InvalidNote for a note or line
    that is too long or holds a NUL character, AddressTaken when another article was published
    at the draft's address, UnresolvedCitations or MalformedBlocks (naming each problem and its
    line) when the text is not fit for review; nothing is written then.
    """
    _require_permission(by, Action.SUBMIT)
    note = clean_note(note, label="The note for the board")
    what_changed = clean_note(
        what_changed, label="The “what changed” line", limit=WHAT_CHANGED_LENGTH
    )
    with transaction.atomic():
        # Lock the article and read it afresh, so the snapshot is exactly what is stored.
        article = Article.objects.select_for_update().get(pk=article.pk)
        frozen = freeze(article)
        if frozen.problems:
            codes = {problem.code for problem in frozen.problems}
            if "too-long" in codes:
                raise TextTooLong(frozen.problems)
            unresolved = "unknown-citation" in codes
            raise (UnresolvedCitations if unresolved else MalformedBlocks)(frozen.problems)
        if (
            ReviewRound.objects.filter(slug=article.slug, state=State.APPROVED)
            .exclude(article=article)
            .exists()
        ):
            raise AddressTaken(
                f"The address “{article.slug}” belongs to another published article (readers "
                "who use it are sent there). Choose another address and save before submitting."
            )

        for open_round in ReviewRound.objects.select_for_update().filter(
            article=article, state__in=OPEN_STATES
        ):
            _change_state(
                open_round, Action.SUPERSEDE, by=by, note="A newer version was submitted."
            )

        number = (article.review_rounds.aggregate(Max("number"))["number__max"] or 0) + 1
        revision = _record_revision(
            article, by=by, comment=f"Submitted for review (round {number})."
        )
        review_round = ReviewRound.objects.create(
            article=article,
            number=number,
            state=State.SUBMITTED,
            revision=revision,
            snapshot=frozen.snapshot,
            rendered=frozen.rendered,
            snapshot_sha256=frozen.digest,
            search_body=frozen.search_body,
            note=note,
            what_changed=what_changed,
            slug=article.slug,
            allow_pending_publication=article.allow_pending_publication,
            review_interval_months=article.review_interval_months,
            submitted_by=by,
        )
        frozen_topics = [topic["slug"] for topic in frozen.snapshot["article"]["topics"]]
        review_round.topics.set(Topic.objects.filter(slug__in=frozen_topics))
        review_round.cited_references.set(frozen.reference_ids)
        index_round(review_round)
        ReviewEvent.objects.create(
            round=review_round, action=Action.SUBMIT, to_state=State.SUBMITTED, actor=by, note=note
        )
        # Imported here: reviews.comments builds on this module's errors and permissions.
        from reviews.comments import carry_forward

        carry_forward(review_round, by=by)
        publish(article)
        transaction.on_commit(lambda: notifications.round_submitted(review_round))
    return review_round


@dataclass(frozen=True)
class Frozen:
    """An article's text frozen as a review round holds it, with what would stop its submission.

    The snapshot, its HTML, digest and search text are made when first asked for: the writing
    checks need only the problems and the references.
    """

    article: Article
    body: str
    audiences: list  # Audience rows in display order
    references: dict  # key -> data, for each cited key the library holds
    problems: list  # articles.rendering.Diagnostic: each stops a submission
    reference_ids: list = field(default_factory=list)  # the library rows of `references`

    @cached_property
    def snapshot(self):
        return build_snapshot(
            self.article, body=self.body, audiences=self.audiences, references=self.references
        )

    @cached_property
    def rendered(self):
        return render_snapshot(self.snapshot)

    @cached_property
    def digest(self):
        return snapshot_digest(self.snapshot)

    @cached_property
    def search_body(self):
        return searchable_body(self.rendered)


def freeze(article, *, body=None, audiences=None, library_keys=None):
    """Freeze `article` as submit() would: its saved text, or `body` in its place.

    The one place a review snapshot is made: submit, the draft preview, the writing checks and
    the benchmark's bulk seeding all call it. `audiences` (Audience rows in display order) and
    `library_keys` (every reference key in the library) may be passed by a caller that already
    has them. Raises InvalidTransition when there are no audiences to render for.
    """
    body = article.body if body is None else body
    if audiences is None:
        audiences = list(Audience.objects.order_by("order", "pk"))
    if not audiences:
        raise InvalidTransition("There are no audiences to render the article for.")
    if library_keys is None:
        library_keys = set(Reference.objects.values_list("key", flat=True))
    problems = _too_long(article, body) + check(
        body, audiences=[a.slug for a in audiences], reference_keys=library_keys
    )
    rows = list(Reference.objects.filter(key__in=cited_keys(body)))
    return Frozen(
        article=article,
        body=body,
        audiences=audiences,
        references={reference.key: reference.as_data() for reference in rows},
        problems=problems,
        reference_ids=[reference.pk for reference in rows],
    )


def _too_long(article, body):
    """A Diagnostic for each text of the draft longer than its field allows: forms and imports
    refuse such text, but a shell does not, and PostgreSQL cannot index it for search."""
    texts = {
        "title": article.title,
        "summary": article.summary,
        "body": body,
        "evidence_note": article.evidence_note,
    }
    problems = []
    for name, text in texts.items():
        field = Article._meta.get_field(name)
        if field.max_length and len(text or "") > field.max_length:
            problems.append(
                Diagnostic(
                    line=0,
                    code="too-long",
                    message=f"The {field.verbose_name} is too long: {len(text):,} characters, "
                    f"at most {field.max_length:,}.",
                )
            )
    return problems


def start_review(review_round, *, by):
    """Take a submitted round into review, with `by` as its reviewer (claiming it: the other
    board members are told by e-mail).

    Raises PermissionDenied for a non-board user, ConflictOfInterest for someone who wrote or
    submitted the text, InvalidTransition unless the round is submitted.
    """
    changed = _transition(review_round, Action.START_REVIEW, by=by, fields={"reviewer": by})
    transaction.on_commit(lambda: notifications.review_started(changed))
    return changed


def approve(review_round, *, by, note=""):
    """Approve a round under review: it becomes what readers see.

    Raises PermissionDenied for a non-board user, ConflictOfInterest for anyone (superusers
    included) who submitted the round or saved its text since the last approval (or suggested
    wording that was applied to it), OpenRequiredChanges while a change the board required on
    the round is still open, and InvalidTransition unless the round is under review — so of
    many simultaneous approvals exactly one succeeds.
    """
    _require_permission(by, Action.APPROVE)
    note = clean_note(note, label="The decision note")
    member = getattr(by, "board_member", None)
    fields = {
        "decided_by": by,
        "decided_at": timezone.now(),
        "decision_note": note,
        "approver_name": member.display_name
        if member
        else (by.get_full_name() or by.get_username()),
        "approver_credentials": member.credentials if member else "",
    }
    changed = _transition(review_round, Action.APPROVE, by=by, note=note, fields=fields)
    transaction.on_commit(lambda: notifications.round_decided(changed))
    return changed


def request_changes(review_round, *, by, note):
    """Send a round under review back to the editors, with a note saying what to change.

    Raises ReviewError for an empty note, PermissionDenied for a non-board user and
    InvalidTransition unless the round is under review.
    """
    if not note or not note.strip():
        raise ReviewError("Say what needs to change: a note is required when requesting changes.")
    note = clean_note(note, label="The note")
    fields = {"decided_by": by, "decided_at": timezone.now(), "decision_note": note}
    changed = _transition(review_round, Action.REQUEST_CHANGES, by=by, note=note, fields=fields)
    transaction.on_commit(lambda: notifications.round_decided(changed))
    return changed


def withdraw(review_round, *, by):
    """Take a submitted or under-review round out of review.

    Raises PermissionDenied for a non-editor and InvalidTransition for a decided round.
    """
    return _transition(review_round, Action.WITHDRAW, by=by)


def allowed_actions(review_round, user):
    """The actions `user` may take on `review_round` now, for showing only usable buttons."""
    allowed = set()
    for action, (from_states, _) in TRANSITIONS.items():
        if action not in PERMISSIONS or review_round.state not in from_states:
            continue
        if not user.has_perm(PERMISSIONS[action]):
            continue
        if action in INDEPENDENT_ACTIONS and wrote_round(review_round, user):
            continue
        allowed.add(action)
    return allowed


def wrote_round(review_round, user):
    """Whether `user` submitted the round or wrote any of the text it froze (round_authors)."""
    return review_round.submitted_by_id == user.pk or user.pk in round_authors(review_round)


def round_authors(review_round):
    """The ids of everyone who wrote the text `review_round` froze, for the four-eyes rule.

    That is whoever saved a version of the article, or of a reference the round cites (the
    library rows its snapshot's references came from, ReviewRound.cited_references, so that
    renaming a key after submission hides no one), after the article's last approval before
    the round and up to the round's own revision: in the admin, an import, a command or a
    shell, and whoever suggested wording applied in one of those versions (reviews.comments).
    A revert counts as more than its own author: the text it brought back was written by the
    people who saved the article or those references up to the restored revision, since the
    approval before that, and so on back through any revert among those.
    """
    approvals = sorted(
        ReviewRound.objects.filter(
            article_id=review_round.article_id, state=State.APPROVED
        ).values_list("revision_id", flat=True)
    )
    written = Q(
        content_type=ContentType.objects.get_for_model(Article),
        object_id=str(review_round.article_id),
    )
    # The rows the round's references came from, whatever their keys are now. Version.object_id
    # is text: compare it with the ids as text, in one query.
    cited = ReviewRound.cited_references.through.objects.filter(
        reviewround_id=review_round.pk
    ).values(text_id=Cast("reference_id", CharField()))
    written |= Q(content_type=ContentType.objects.get_for_model(Reference), object_id__in=cited)
    authors, restored, seen = set(), [review_round.revision_id], set()
    while restored:
        upto = restored.pop()
        if upto in seen:
            continue
        seen.add(upto)
        since = max((pk for pk in approvals if pk < upto), default=None)
        versions = Version.objects.filter(written, revision_id__lte=upto)
        if since is not None:
            versions = versions.filter(revision_id__gt=since)
        # Whoever suggested wording applied in one of those versions wrote it too.
        for user_id, restored_id, suggester_id in versions.values_list(
            "revision__user_id",
            "revision__revert_record__restored_id",
            "revision__applied_suggestions__author_id",
        ):
            authors.update(pk for pk in (user_id, suggester_id) if pk is not None)
            if restored_id is not None:
                restored.append(restored_id)
    return authors


def _transition(review_round, action, *, by, note="", fields=None):
    _require_permission(by, action)
    with transaction.atomic():
        # The article first, then the round: the same order as submit(), so the two never
        # deadlock, and what is published is decided by one transaction at a time.
        article = Article.objects.select_for_update().get(pk=review_round.article_id)
        locked = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        locked.article = article
        if action in INDEPENDENT_ACTIONS:
            _refuse_authors(locked, by)
        if action == Action.APPROVE:
            required = list(
                ReviewComment.objects.open()
                .filter(round=locked, kind=ReviewComment.Kind.REQUIRED)
                .select_related("author")
                .order_by("start_line", "pk")
            )
            if required:
                raise OpenRequiredChanges(locked, required)
        changed = _change_state(locked, action, by=by, note=note, fields=fields)
        publish(article)
        return changed


def _refuse_authors(locked, by):
    """ConflictOfInterest, addressed to `by`, when they had a hand in the round's text."""
    if locked.submitted_by_id == by.pk:
        why = "You submitted this round"
    elif by.pk in round_authors(locked):
        why = "You wrote or edited part of this round's text (or suggested wording applied to it)"
    else:
        return
    raise ConflictOfInterest(
        f"{why}, so another board member must review it. "
        f"(Round {locked.number} of “{locked.article}”.)"
    )


def publish(article):
    """Mark the article's newest publishable round as the one readers see (or none).

    Called in the transaction of every transition. Once that transaction commits, the cached
    pages at the article's address before and after go stale (receivers of published_changed).
    """
    with transaction.atomic():
        rounds = ReviewRound.objects.filter(article=article)
        before = set(rounds.published().values_list("slug", flat=True))
        mark_published(rounds)
        after = set(rounds.published().values_list("slug", flat=True))
    published_changed.send(sender=Article, slugs=before | after)


def mark_published(rounds):
    """Of the rounds in the queryset `rounds`, mark the newest publishable one of each article as
    published and every other one as not (ReviewRound.objects.newest_publishable is the rule).

    publish() calls it for one article inside each change; the benchmark's bulk seeding calls
    it for many articles at once. Call it inside a transaction.
    """
    newest = rounds.newest_publishable().values("pk")
    # Unmark before marking: at most one round per article may be published at any moment.
    rounds.filter(is_published=True).exclude(pk__in=newest).update(is_published=False)
    rounds.filter(is_published=False, pk__in=newest).update(is_published=True)


def _change_state(locked_round, action, *, by, note="", fields=None):
    from_states, to_state = TRANSITIONS[action]
    if locked_round.state not in from_states:
        raise InvalidTransition(
            f"Cannot {VERBS[action]} round {locked_round.number} of "
            f"“{locked_round.article}”: it is {locked_round.get_state_display().lower()}."
        )
    from_state = locked_round.state
    locked_round.state = to_state
    for name, value in (fields or {}).items():
        setattr(locked_round, name, value)
    locked_round.save(update_fields=["state", *(fields or {})])
    ReviewEvent.objects.create(
        round=locked_round,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=by,
        note=note,
    )
    return locked_round


def clean_note(text, *, label, limit=NOTE_LENGTH):
    """`text` stripped, or InvalidNote when it is longer than `limit` or holds a NUL (which
    PostgreSQL cannot store): every note the workflow writes goes through here."""
    text = (text or "").strip()
    if "\x00" in text:
        raise InvalidNote(f"{label} holds a NUL character, which cannot be stored.")
    if len(text) > limit:
        raise InvalidNote(f"{label} is too long: {len(text):,} characters, at most {limit:,}.")
    return text


# What a refusal tells someone who lacks the role an action needs.
REFUSALS = {
    Action.SUBMIT: "Only editors can submit articles for review, and you are not an editor.",
    Action.WITHDRAW: "Only editors can withdraw a round from review, and you are not an editor.",
    Action.START_REVIEW: "Only advisory board members can start a review, and you are not "
    "on the board.",
    Action.APPROVE: "Only advisory board members can approve a round, and you are not on the "
    "board.",
    Action.REQUEST_CHANGES: "Only advisory board members can request changes, and you are not "
    "on the board.",
}


def _require_permission(user, action):
    if not (user and user.is_active and user.has_perm(PERMISSIONS[action])):
        raise PermissionDenied(REFUSALS[action])


def _record_revision(article, *, by, comment):
    """Save a revision of the article as it stands, so the round points at exact history."""
    with reversion.create_revision(atomic=False):
        reversion.set_user(by)
        reversion.set_comment(comment)
        reversion.add_to_revision(article)
    return Version.objects.get_for_object(article).select_related("revision").first().revision
