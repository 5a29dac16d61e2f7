"""The desk's side of review comments: the round's preview with its comments, the forms that
call reviews.comments, and the editor's view of the draft with comments beside its lines.

Views parse input and call reviews.comments; the rules (who may do what) live there.
"""

import re
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe

from articles.models import Disclaimer
from articles.rendering import render_markdown
from editorial.review import preview_context
from reviews import anchors, comments
from reviews.models import ReviewComment, ReviewRound, State
from reviews.pages import PublishedPage, PublishedRound

PASSAGE_TAGS = ("p", "li")
_TAG_RE = re.compile(r"<(/?)(p|li)(\s[^>]*)?>")

OPERATIONS = ("add", "reply", "edit", "resolve", "reopen", "apply")


def mark_passages(body_html, *, link_query):
    """The body HTML with each paragraph and list item numbered (`id="passage-N"`) and ended by a
    plain "Comment" link to `?<link_query>&passage=N`: the way to comment without JavaScript.

    `body_html` is sanitised HTML (well formed), so tags can be matched one by one.
    """
    out, stack, position, number = [], [], 0, 0
    for match in _TAG_RE.finditer(body_html):
        closing, tag = match.group(1), match.group(2)
        out.append(body_html[position : match.start()])
        position = match.end()
        if not closing:
            number += 1
            stack.append(number)
            attributes = match.group(3) or ""
            out.append(f'<{tag}{attributes} id="passage-{number}" data-passage="{number}">')
        else:
            passage = stack.pop() if stack else 0
            out.append(
                f'<a class="comment-here" href="?{escape(link_query)}&amp;passage={passage}'
                f'#comment-form">Comment<span class="visually-hidden"> on this passage'
                f"</span></a></{tag}>"
            )
    out.append(body_html[position:])
    return mark_safe("".join(out))


class _PassageText(HTMLParser):
    """The text readers see in each paragraph and list item, citation numbers left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self.open, self.skip = {}, [], 0
        self.number = 0

    def handle_starttag(self, tag, attrs):
        if tag in PASSAGE_TAGS:
            self.number += 1
            self.open.append(self.number)
            self.texts[self.number] = []
        elif tag == "sup" and "cite" in (dict(attrs).get("class") or ""):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in PASSAGE_TAGS and self.open:
            self.open.pop()
        elif tag == "sup" and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            for number in self.open:
                self.texts[number].append(data)


def passage_text(body_html, number):
    """The plain text of passage `number` (as mark_passages counts them), or ""."""
    parser = _PassageText()
    parser.feed(body_html)
    return anchors.normalise("".join(parser.texts.get(number, [])))


@dataclass
class FormState:
    """What a comment form held when it was refused, so nothing typed is lost."""

    operation: str = ""
    comment_id: int | None = None
    values: dict = field(default_factory=dict)
    error: str = ""


def handle_post(request, review_round):
    """Carry out the comment operation a form posted (`op`) on `review_round`.

    Returns (ok, FormState): ok with a success message queued, or not ok with the error and the
    typed values for the page to show again.
    """
    operation = request.POST.get("op", "")
    values = {
        name: request.POST.get(name, "")
        for name in ("quote", "text", "kind", "replacement", "audience", "note")
    }
    state = FormState(operation=operation, values=values)
    try:
        if operation not in OPERATIONS:
            raise comments.CommentError("Unknown comment action.")
        if operation == "add":
            comments.add(
                review_round,
                by=request.user,
                quote=values["quote"],
                text=values["text"],
                kind=values["kind"] or ReviewComment.Kind.NOTE,
                audience=read_in(review_round, values["quote"], values["audience"]),
                replacement=values["replacement"],
            )
            done = "Your comment is saved."
        else:
            comment = _comment_of(request, review_round, state)
            if operation == "reply":
                comments.reply(comment, by=request.user, text=values["text"])
                done = "Your reply is saved."
            elif operation == "edit":
                comments.edit(comment, by=request.user, text=values["text"])
                done = "Your words are changed; the earlier ones stay in the history."
            elif operation == "resolve":
                comments.resolve(comment, by=request.user, note=values["note"])
                done = "The comment is resolved."
            elif operation == "reopen":
                comments.reopen(comment, by=request.user)
                done = "The comment is open again."
            else:
                comments.apply_suggestion(comment, by=request.user)
                done = "The suggested wording is now in the draft, saved as a new version."
    except (comments.ReviewError, PermissionDenied) as error:
        state.error = str(error)
        return False, state
    messages.success(request, done)
    return True, state


def read_in(review_round, quote, audience):
    """The audience to anchor a comment in: blank when the words are in the shared text (every
    audience reads them), else the audience the reviewer was reading."""
    body = review_round.snapshot["article"]["body"]
    if anchors.first_anchor(anchors.plain_text(body, ""), quote) is not None:
        return ""
    return audience


def _comment_of(request, review_round, state):
    try:
        state.comment_id = int(request.POST.get("comment", ""))
    except ValueError:
        raise comments.CommentError("Which comment? The form named none.") from None
    # A thread on this round, or a reply in one (a reply keeps the round it was written in
    # when its thread moves on to a newer round).
    comment = (
        ReviewComment.objects.filter(pk=state.comment_id)
        .filter(Q(round=review_round, parent=None) | Q(parent__round=review_round))
        .first()
    )
    if comment is None:
        raise comments.CommentError(
            "That comment is not on this round any more (it may have moved to a newer round)."
        )
    return comment


def safe_next(request, fallback):
    """The `next` address a form asked to return to, when it is on this site; else `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def preview_page(review_round, audience_slug, *, link_query):
    """The PublishedPage readers would get for `review_round` in one audience (with its
    disclaimers), its body's passages numbered and given comment links."""
    preview = preview_context(review_round.snapshot, review_round.rendered, audience_slug)
    chosen = preview["audience"]
    content = dict(preview["content"])
    content["body_html"] = mark_passages(content["body_html"], link_query=link_query)
    pending = review_round.state != State.APPROVED
    shown = Disclaimer.objects.for_audience(chosen, pending=pending)
    disclaimers = [(row.placement, row.body) for row in shown]
    return PublishedPage(
        **PublishedRound.fields_of(review_round),
        audience=chosen,
        content=content,
        history=[],
        disclaimers=disclaimers,
    )


def public_page_context(page, *, page_url):
    """The context publishing/article_detail.html needs, for a page shown in the admin."""
    return {
        "page": page,
        "pending": not page.is_approved,
        "steps": page.review_steps,
        "top_disclaimers": [render_markdown(body) for body in page.disclaimers_at("top")],
        "bottom_disclaimers": [render_markdown(body) for body in page.disclaimers_at("bottom")],
        "article_url": page_url,
        "canonical_url": page_url,
        "json_ld": "{}",
        "preview_only": True,
    }


def previous_round(review_round):
    """The article's round just before `review_round`, or None."""
    return (
        ReviewRound.objects.filter(
            article_id=review_round.article_id, number__lt=review_round.number
        )
        .select_related("decided_by")
        .order_by("-number")
        .first()
    )


def newest_round(article_id):
    return ReviewRound.objects.filter(article_id=article_id).order_by("-number").first()


@dataclass
class DraftLine:
    number: int
    text: str
    comments: list


def draft_lines(article):
    """The draft's Markdown source line by line, each with the open comments that start on it
    (reviews.comments.open_by_line); comments past the last line go with the last line."""
    lines = article.body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    by_line = comments.open_by_line(article)
    rows = [
        DraftLine(number, text, by_line.get(number, [])) for number, text in enumerate(lines, 1)
    ]
    for number, threads in by_line.items():
        if number > len(rows) and rows:
            rows[-1].comments.extend(threads)
    return rows
