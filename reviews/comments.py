"""Comments on a passage of a review round: the board points at words, the editor answers there.

The only place a ReviewComment is written. Every function checks who is acting, works in one
transaction, writes a ReviewCommentEvent (who, when, what) beside the change and returns the
comment; nothing is ever deleted. A comment is anchored to its passage by the exact quote as
readers see it, some text before and after it, the audience it was read in and the source line
it starts on (reviews.anchors); when the article is submitted again, carry_forward moves the
open comments to the new round and finds their passage there.
"""

from collections import defaultdict

import reversion
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from reversion.models import Version

from articles.models import Article
from reviews import anchors, notifications
from reviews.models import (
    COMMENT_LENGTH,
    QUOTE_LENGTH,
    ReviewComment,
    ReviewCommentEvent,
    ReviewRound,
    State,
)
from reviews.workflow import (
    DECIDE_PERMISSION,
    SUBMIT_PERMISSION,
    InvalidNote,
    ReviewError,
    clean_note,
)

Kind = ReviewComment.Kind
CommentState = ReviewComment.State
Event = ReviewCommentEvent.Action

COMMENT_PERMISSION = "reviews.add_reviewcomment"
EDIT_ARTICLE_PERMISSION = "articles.change_article"
# Rounds whose comments may still change: the open ones, and one sent back for changes (the
# editor answers there before submitting again). Older rounds are a record.
COMMENTABLE_STATES = (State.SUBMITTED, State.UNDER_REVIEW, State.CHANGES_REQUESTED)


class CommentError(ReviewError):
    """A comment cannot be written or changed as asked."""


class CommentNotAllowed(CommentError, PermissionDenied):
    """The person acting may not do this to a comment."""


class QuoteNotFound(CommentError):
    """The quoted words are not in the round's text (or no longer in the draft)."""


def add(
    review_round, *, by, quote, text, kind=Kind.NOTE, audience="", replacement=""
) -> ReviewComment:
    """Comment on the passage `quote` of `review_round`'s body as read by `audience` (blank:
    the text every audience shares), and return the comment.

    `kind` is "note", "required" (a change the board requires before approving; board members
    only) or "suggestion" (with `replacement`, new wording for the quoted words). Raises
    CommentNotAllowed for someone who may not comment (or not require changes), CommentError
    for an empty or too long text, an unknown kind or audience, a suggestion without new
    wording, or a round that is already decided; QuoteNotFound when the quote is not in the
    round's text. Nothing is written then.
    """
    _require(by, COMMENT_PERMISSION, "comment on review rounds")
    if kind not in Kind.values:
        raise CommentError(f"“{kind}” is not a kind of comment: use note, required or suggestion.")
    if kind == Kind.REQUIRED and not by.has_perm(DECIDE_PERMISSION):
        raise CommentNotAllowed(
            "Only advisory board members can require a change. Leave a note or a suggestion "
            "instead."
        )
    text = _clean_text(text, label="The comment")
    replacement = _clean_text(
        replacement, label="The suggested wording", limit=QUOTE_LENGTH, required=False
    )
    if kind == Kind.SUGGESTION and not replacement:
        raise CommentError("A suggestion needs the new wording for the quoted words.")
    quote = anchors.normalise(quote)
    if not quote:
        raise CommentError("Select the words you are commenting on: the quote is empty.")
    if len(quote) > QUOTE_LENGTH:
        raise CommentError(
            f"The quote is too long: {len(quote):,} characters, at most {QUOTE_LENGTH:,}. "
            "Select fewer words."
        )
    if kind == Kind.SUGGESTION and anchors.normalise(replacement) == quote:
        raise CommentError("The suggested wording is the same as the quoted words.")
    with transaction.atomic():
        locked = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        _require_commentable(locked)
        audiences = [entry["slug"] for entry in locked.snapshot["audiences"]]
        if audience and audience not in audiences:
            raise CommentError(f"Round {locked.number} has no audience “{audience}”.")
        plain = anchors.plain_text(locked.snapshot["article"]["body"], audience)
        anchor = anchors.first_anchor(plain, quote)
        if anchor is None:
            where = f"the {audience} text" if audience else "the text every audience shares"
            raise QuoteNotFound(
                f"“{_short(quote)}” is not in {where} of round {locked.number}. Select words "
                "from the article's body as the preview shows them."
            )
        comment = ReviewComment.objects.create(
            round=locked,
            first_round=locked,
            author=by,
            kind=kind,
            text=text,
            audience=audience,
            quote=anchor.quote,
            original_quote=anchor.quote,
            context_before=anchor.context_before[-200:],
            context_after=anchor.context_after[:200],
            start_line=anchor.start_line,
            replacement=replacement,
        )
        _record(comment, Event.ADD, by, note=text)
    return comment


def reply(comment, *, by, text) -> ReviewComment:
    """Answer in `comment`'s thread (a reply to a reply joins the same thread); return the reply.

    Raises CommentNotAllowed for someone who may not comment, CommentError for an empty or too
    long text or a round that is already decided. The comment's author is told by e-mail.
    """
    _require(by, COMMENT_PERMISSION, "reply to review comments")
    text = _clean_text(text, label="The reply")
    with transaction.atomic():
        thread = _locked_thread(comment)
        _require_commentable(thread.round)
        answer = ReviewComment.objects.create(
            round=thread.round,
            first_round=thread.round,
            parent=thread,
            author=by,
            kind=Kind.NOTE,
            text=text,
            audience=thread.audience,
        )
        _record(thread, Event.REPLY, by, note=text, data={"reply": answer.pk})
        transaction.on_commit(lambda: notifications.comment_replied(answer))
    return answer


def edit(comment, *, by, text) -> ReviewComment:
    """Change the text of `comment` (or of a reply); only its author may. The old text stays in
    the comment's history. Raises CommentNotAllowed or CommentError."""
    text = _clean_text(text, label="The comment")
    with transaction.atomic():
        thread = _locked_thread(comment)
        locked = thread if comment.pk == thread.pk else ReviewComment.objects.get(pk=comment.pk)
        if locked.author_id != by.pk or not by.is_active:
            raise CommentNotAllowed("Only the person who wrote a comment can change its words.")
        _require_commentable(thread.round)
        _record(thread, Event.EDIT, by, note=locked.text, data={"comment": locked.pk})
        locked.text = text
        locked.save(update_fields=["text"])
    return locked


def resolve(comment, *, by, note="") -> ReviewComment:
    """Mark `comment` resolved, with an optional closing `note` in its history.

    A required change is resolved only by a board member; a note or suggestion by anyone who
    may comment. Raises CommentNotAllowed, or CommentError when it is already resolved or its
    round is decided.
    """
    _require(by, COMMENT_PERMISSION, "resolve review comments")
    note = _clean_text(note, label="The note", required=False)
    with transaction.atomic():
        thread = _locked_thread(comment)
        _require_commentable(thread.round)
        _require_may_settle(thread, by, "resolve")
        if thread.state == CommentState.RESOLVED:
            raise CommentError("This comment is already resolved.")
        _set_state(thread, CommentState.RESOLVED, by=by)
        _record(thread, Event.RESOLVE, by, note=note)
    return thread


def reopen(comment, *, by) -> ReviewComment:
    """Open a resolved comment again. Same permissions as resolve(); raises CommentError when
    it is not resolved or its round is decided."""
    _require(by, COMMENT_PERMISSION, "reopen review comments")
    with transaction.atomic():
        thread = _locked_thread(comment)
        _require_commentable(thread.round)
        _require_may_settle(thread, by, "reopen")
        if thread.state != CommentState.RESOLVED:
            raise CommentError("Only a resolved comment can be reopened.")
        _set_state(thread, CommentState.OPEN, by=by)
        _record(thread, Event.REOPEN, by)
    return thread


def for_round(review_round) -> list[ReviewComment]:
    """The comment threads of `review_round` in the order of the text, each with its replies
    (oldest first), its history and their authors loaded: three queries however many there
    are (one when there are none). Callers show them only to people
    CommentQuerySet.readable_by allows."""
    return list(_with_threads_loaded(ReviewComment.objects.threads().filter(round=review_round)))


def _with_threads_loaded(threads):
    replies = ReviewComment.objects.select_related("author").order_by("created_at", "pk")
    history = ReviewCommentEvent.objects.select_related("actor").order_by("created_at", "pk")
    return (
        threads.select_related("author", "resolved_by", "round", "first_round")
        .prefetch_related(
            Prefetch("replies", queryset=replies), Prefetch("events", queryset=history)
        )
        .order_by("start_line", "created_at", "pk")
    )


def open_by_line(article, *, body=None) -> dict[int, list[ReviewComment]]:
    """The open comments of `article`'s newest round, keyed by the line of the draft where
    their words are now (for the editor's view of the draft, beside its lines).

    `body` is the draft's source (the saved body unless given: the desk passes the text as
    typed). Lines added or removed above a passage since the round move its comments with it;
    a comment whose words are no longer in the draft stays at the line it had in its round.
    One query when there are none, three when there are (their replies and history).
    """
    newest = ReviewRound.objects.filter(article_id=article.pk).order_by("-number").values("pk")[:1]
    threads = _with_threads_loaded(ReviewComment.objects.open().filter(round=Subquery(newest)))
    source = article.body if body is None else body
    plain_by_audience = {}
    by_line = defaultdict(list)
    for comment in threads:
        if comment.audience not in plain_by_audience:
            plain_by_audience[comment.audience] = anchors.plain_text(source, comment.audience)
        found = anchors.first_anchor(
            plain_by_audience[comment.audience], comment.quote, near_line=comment.start_line
        )
        by_line[found.start_line if found else comment.start_line or 1].append(comment)
    return dict(by_line)


def counts(review_round, threads=None) -> dict[str, int]:
    """How many comment threads of the round are open, resolved and outdated (counted from
    `threads`, the round's for_round(), when the caller has it)."""
    tally = dict.fromkeys(CommentState.values, 0)
    if threads is None:
        threads = ReviewComment.objects.threads().filter(round=review_round)
        states = threads.values_list("state", flat=True)
    else:
        states = [thread.state for thread in threads]
    for state in states:
        tally[state] += 1
    return tally


def apply_suggestion(comment, *, by) -> ReviewComment:
    """Write a suggestion's wording into the article's draft in place of the quoted words, as
    a new saved version by `by`, and resolve the suggestion.

    The suggester then counts as an author of every round holding that version, so the
    four-eyes rule keeps them from approving it (reviews.workflow.round_authors). Raises
    CommentNotAllowed for someone who may not edit articles, CommentError for a comment that
    is not an open suggestion, QuoteNotFound when the quoted words are no longer in the draft
    as written (formatting or a citation inside them, or edited since): change it by hand then.
    """
    _require(by, EDIT_ARTICLE_PERMISSION, "apply suggestions to articles")
    with transaction.atomic():
        # The article first, as submit() locks it: then the round and the thread.
        article_id = ReviewRound.objects.filter(comments__pk=comment.pk).values("article_id")
        article = Article.objects.select_for_update().get(pk__in=article_id)
        thread = _locked_thread(comment)
        if thread.kind != Kind.SUGGESTION:
            raise CommentError("Only a suggestion has wording to apply.")
        if thread.state != CommentState.OPEN:
            raise CommentError("This suggestion is not open any more.")
        _require_commentable(thread.round)
        span = anchors.source_span(article.body, thread.quote, near_line=thread.start_line or 1)
        if span is None:
            raise QuoteNotFound(
                f"“{_short(thread.quote)}” is not in the draft as written (it may hold "
                "formatting or a citation, or have been edited since). Change the draft by hand "
                "and resolve the suggestion."
            )
        body = article.body[: span[0]] + thread.replacement + article.body[span[1] :]
        limit = Article._meta.get_field("body").max_length
        if limit and len(body) > limit:
            raise CommentError(f"With this wording the body would be longer than {limit:,}.")
        article.body = body
        with reversion.create_revision(atomic=False):
            reversion.set_user(by)
            reversion.set_comment(
                f"Applied a suggestion by {thread.author.get_username()} (comment {thread.pk})."
            )
            article.save()
        revision = Version.objects.get_for_object(article).select_related("revision")[0].revision
        thread.applied_revision = revision
        thread.save(update_fields=["applied_revision"])
        _record(thread, Event.APPLY, by, data={"revision": revision.pk})
        _set_state(thread, CommentState.RESOLVED, by=by)
        _record(thread, Event.RESOLVE, by, note="Applied in the draft.")
    return thread


def carry_forward(new_round, *, by):
    """Move every open comment of the article's earlier rounds to `new_round` and find its
    passage there: the exact quote near its old place, then anywhere, then a close match of
    quote and context. A comment whose passage is gone moves too, as outdated, keeping its
    original quote. Resolved comments stay with their round. Called by workflow.submit inside
    its transaction; returns the moved comments."""
    moving = list(
        ReviewComment.objects.select_for_update()
        .filter(round__article_id=new_round.article_id, parent__isnull=True)
        .filter(state=CommentState.OPEN)
        .exclude(round=new_round)
        .select_related("round")
    )
    texts = {}
    for comment in moving:
        if comment.audience not in texts:
            texts[comment.audience] = anchors.plain_text(
                new_round.snapshot["article"]["body"], comment.audience
            )
        found = anchors.relocate(
            texts[comment.audience],
            quote=comment.quote,
            context_before=comment.context_before,
            context_after=comment.context_after,
            start_line=comment.start_line or 1,
        )
        data = {
            "from_round": comment.round.number,
            "to_round": new_round.number,
            "from_line": comment.start_line,
        }
        old_round = comment.round
        comment.round = new_round
        fields = ["round"]
        if found is None:
            comment.state = CommentState.OUTDATED
            fields.append("state")
            comment.save(update_fields=fields)
            _record(comment, Event.OUTDATE, by, data=data)
        else:
            comment.quote = found.quote
            comment.context_before = found.context_before[-200:]
            comment.context_after = found.context_after[:200]
            comment.start_line = found.start_line
            fields += ["quote", "context_before", "context_after", "start_line"]
            comment.save(update_fields=fields)
            _record(
                comment,
                Event.MOVE,
                by,
                data={**data, "to_line": found.start_line, "how": found.how},
            )
        ReviewComment.objects.filter(parent=comment, round=old_round).update(round=new_round)
    return moving


def waiting_for_answer(user):
    """Open comment threads on rounds still in play where it is `user`'s turn: the last word in
    the thread is someone else's, and `user` wrote the comment or submitted its round."""
    last_reply_author = Subquery(
        ReviewComment.objects.filter(parent=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("author_id")[:1]
    )
    return (
        ReviewComment.objects.open()
        .filter(round__state__in=COMMENTABLE_STATES)
        .filter(Q(author=user) | Q(round__submitted_by=user))
        .annotate(
            last_word_by=Coalesce(last_reply_author, "author_id", output_field=IntegerField())
        )
        .exclude(last_word_by=user.pk)
    )


def _require(user, permission, what):
    if not (user and user.is_authenticated and user.is_active and user.has_perm(permission)):
        raise CommentNotAllowed(f"You may not {what}.")


def _require_commentable(review_round):
    if review_round.state not in COMMENTABLE_STATES:
        raise CommentError(
            f"Round {review_round.number} is {review_round.get_state_display().lower()}: its "
            "comments are kept as a record and can no longer change."
        )


def _require_may_settle(thread, by, verb):
    if thread.kind == Kind.REQUIRED and not by.has_perm(DECIDE_PERMISSION):
        raise CommentNotAllowed(
            f"Only an advisory board member can {verb} a required change. Reply to say what you "
            "changed, and the board will check it."
        )
    if not (
        thread.author_id == by.pk
        or by.has_perm(DECIDE_PERMISSION)
        or by.has_perm(SUBMIT_PERMISSION)
    ):
        raise CommentNotAllowed(f"You may not {verb} this comment.")


def _locked_thread(comment):
    """The thread `comment` belongs to, locked after its round: the order submit() and
    approve() lock in (article, round, then comment), so a decision and a change to a comment
    never overlap (an approval cannot miss a required change reopened at the same moment)."""
    root_id = comment.parent_id or comment.pk
    round_id = ReviewComment.objects.filter(pk=root_id).values_list("round_id", flat=True).get()
    locked_round = ReviewRound.objects.select_for_update().get(pk=round_id)
    thread = ReviewComment.objects.select_for_update().select_related("author").get(pk=root_id)
    if thread.round_id != locked_round.pk:
        raise CommentError(
            "This comment has just moved to a newer round of the article: answer it there."
        )
    thread.round = locked_round
    return thread


def _set_state(thread, state, *, by):
    thread.state = state
    if state == CommentState.RESOLVED:
        thread.resolved_by, thread.resolved_at = by, timezone.now()
    else:
        thread.resolved_by, thread.resolved_at = None, None
    thread.save(update_fields=["state", "resolved_by", "resolved_at"])


def _record(comment, action, actor, *, note="", data=None):
    ReviewCommentEvent.objects.create(
        comment=comment, action=action, actor=actor, note=note, data=data or {}
    )


def _clean_text(text, *, label, required=True, limit=COMMENT_LENGTH):
    try:
        text = clean_note(text, label=label, limit=limit)
    except InvalidNote as error:
        raise CommentError(str(error)) from None
    if required and not text:
        raise CommentError(f"{label} is empty: write what you want to say.")
    return text


def _short(text, limit=80):
    return text if len(text) <= limit else text[: limit - 1] + "…"
