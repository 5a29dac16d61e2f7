"""Readers' follow-up questions: turning one into a new draft article."""

import re

import reversion
from django.db import transaction
from django.utils.text import Truncator, slugify

from articles.models import Article, Question

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
TITLE_LENGTH = Article._meta.get_field("title").max_length
SLUG_LENGTH = Article._meta.get_field("slug").max_length


def question_title(text):
    """A draft title from a reader's text: its first sentence that asks something (else its
    first sentence), ending in a question mark and short enough for the title column."""
    sentences = [s for s in SENTENCE_END.split(" ".join(text.split())) if s] or ["Reader question"]
    title = next((s for s in sentences if s.endswith("?")), sentences[0])
    title = title.rstrip(".!,;: ")
    if len(title) >= TITLE_LENGTH:
        title = Truncator(title).chars(TITLE_LENGTH - 1, truncate="…")
    return title if title.endswith("?") else f"{title}?"


def unique_article_slug(title):
    """A slug for `title` that no article has yet: the slugified title, then -2, -3, …"""
    base = slugify(title)[: SLUG_LENGTH - 10].strip("-") or "reader-question"
    taken = set(
        Article.objects.filter(slug__startswith=base).values_list("slug", flat=True).iterator()
    )
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def question_to_draft(question, *, by):
    """Create a new draft article from a reader question, saved as a revision by `by`, mark
    the question answered and return the draft.

    The draft carries the source article's topics and, in its placeholder summary, the full
    question, so nothing the reader wrote is lost when the title is trimmed.
    """
    source = question.article
    audience = f"a {question.audience_slug} reader" if question.audience_slug else "a reader"
    title = question_title(question.text)
    with transaction.atomic(), reversion.create_revision():
        reversion.set_user(by)
        reversion.set_comment(f"Drafted from reader question #{question.pk} on “{source.title}”.")
        draft = Article.objects.create(
            slug=unique_article_slug(title),
            title=title,
            summary=(
                "Placeholder: replace with one plain paragraph that answers the question. "
                f"{audience.capitalize()} asked on “{source.title}”: “{question.text.strip()}”"
            ),
            created_by=by,
        )
        draft.topics.set(source.topics.all())
        Question.objects.filter(pk=question.pk).update(status=Question.Status.ANSWERED)
    return draft
