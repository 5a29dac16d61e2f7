"""Portable articles: one Markdown file with a front-matter header, for `export_article` and
`import_article` (the format is documented in docs/article-format.md).

`dump_article` and `parse_article` are pure and exact inverses: a file written by
`dump_article` parses back to the same data, and dumping that data gives the same bytes.
`article_data` reads an Article into that data; `article_import` writes it back as a new
reversion revision.
"""

import json

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction

from articles.models import Article, Topic
from articles.rendering import normalise_line_ends

DELIMITER = "---"
# The header keys, in the order `dump_article` writes them, with the JSON type each must have.
HEADER_FIELDS = {
    "slug": str,
    "title": str,
    "summary": str,
    "evidence_note": str,
    "topics": list,
    "allow_pending_publication": bool,
    "review_interval_months": int,
}
REQUIRED_FIELDS = ("slug", "title")
TYPE_NAMES = {
    str: "a string",
    list: "a list of topic slugs",
    bool: "true or false",
    int: "a number",
}
# The range the article_review_interval_range constraint allows, said plainly.
MIN_INTERVAL, MAX_INTERVAL = 1, 60
# Text columns in which PostgreSQL cannot store a NUL character.
TEXT_FIELDS = ("slug", "title", "summary", "evidence_note", "body")


class PortableFormatError(ValueError):
    """A file that is not a valid portable article; `line` is 1-based (0: the file as a whole)."""

    def __init__(self, line, message):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


def dump_article(data):
    """The portable Markdown text of `data` (the header keys that are present, plus "body").

    Every header value is written as JSON on one line, so any text (several lines, colons,
    leading spaces, a line of '---') survives exactly; the body follows the header verbatim.
    """
    lines = [DELIMITER]
    for key in HEADER_FIELDS:
        if key in data:
            value = json.dumps(data[key], ensure_ascii=False)
            lines.append(f"{key}: {value}")
    lines.append(DELIMITER)
    return "\n".join(lines) + "\n" + data.get("body", "")


def parse_article(text):
    """The data of a portable Markdown text: the header keys present in it, plus "body".

    Raises PortableFormatError, naming the line, for a missing or unclosed header, a line that
    is not `key: <JSON value>`, an unknown or repeated key, a value of the wrong type, or a
    missing slug or title.
    """
    # Line ends as the admin stores them (CRLF and CR become LF), then split on "\n" only:
    # str.splitlines() would also split on characters such as U+2028 that JSON strings may
    # hold unescaped. A JSON value cannot hold a raw CR, so only line ends change.
    lines = normalise_line_ends(text).split("\n")
    if lines[0].removeprefix("\ufeff") != DELIMITER:
        raise PortableFormatError(1, f"the file must start with a '{DELIMITER}' line")
    data = {}
    for index, line in enumerate(lines[1:], start=2):
        if line == DELIMITER:
            break
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        key = key.strip()
        if not colon or not key:
            raise PortableFormatError(index, "expected 'key: value' or the closing '---'")
        if key not in HEADER_FIELDS:
            known = ", ".join(HEADER_FIELDS)
            raise PortableFormatError(index, f"unknown key {key!r} (known keys: {known})")
        if key in data:
            raise PortableFormatError(index, f"{key!r} is given twice")
        data[key] = _parse_value(index, key, value)
    else:
        raise PortableFormatError(len(lines), f"the header is not closed by a '{DELIMITER}' line")
    missing = [key for key in REQUIRED_FIELDS if key not in data]
    if missing:
        raise PortableFormatError(index, f"the header lacks {' and '.join(missing)}")
    # The body is everything after the closing line, exactly as written.
    data["body"] = "\n".join(lines[index:])
    return data


def _parse_value(line_number, key, text):
    try:
        value = json.loads(text)
    except ValueError as error:
        raise PortableFormatError(
            line_number,
            f"the value of {key!r} is not valid JSON ({error.msg}); "
            'text must be quoted, e.g. title: "Does it help?"',
        ) from None
    expected = HEADER_FIELDS[key]
    # In Python a bool is an int: refuse `true` as a number of months.
    wrong_type = not isinstance(value, expected) or (expected is int and isinstance(value, bool))
    if expected is list and not wrong_type:
        wrong_type = not all(isinstance(item, str) for item in value)
    if wrong_type:
        raise PortableFormatError(line_number, f"{key!r} must be {TYPE_NAMES[expected]}")
    return value


def article_data(article):
    """The portable data of a saved article (topics by slug, sorted, so exports are stable)."""
    return {
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "evidence_note": article.evidence_note,
        "topics": sorted(topic.slug for topic in article.topics.all()),
        "allow_pending_publication": article.allow_pending_publication,
        "review_interval_months": article.review_interval_months,
        "body": article.body,
    }


class ImportRefused(Exception):
    """The data cannot be imported; the message says why in one line. Nothing was written."""


def article_import(*, data, by, comment, create_only=False):
    """Create or update the draft article `data["slug"]` from portable data, saved as one new
    revision by `by` with `comment`. Returns (article, outcome), outcome being "created",
    "updated" or "unchanged" (an unchanged draft gets no new revision).

    Header keys the data lacks keep their current value (or the model default on create).
    Topics must already exist: an unknown slug is refused rather than created, so a typo cannot
    add a topic to the public site. Raises ImportRefused for an existing slug when
    `create_only`, an unknown topic, or a field that fails validation; nothing is written then.
    """
    for field in TEXT_FIELDS:
        if "\x00" in data.get(field, ""):
            raise ImportRefused(f"{field}: contains a NUL character, which cannot be stored")
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(slug=data["slug"]).first()
        if article is not None and create_only:
            raise ImportRefused(
                f"an article with the slug {data['slug']!r} already exists "
                "(drop --new to update it)"
            )
        created = article is None
        if created:
            article = Article(created_by=by)
        elif data == {key: value for key, value in article_data(article).items() if key in data}:
            return article, "unchanged"

        topics = None
        if "topics" in data:
            found = {topic.slug: topic for topic in Topic.objects.filter(slug__in=data["topics"])}
            unknown = [slug for slug in data["topics"] if slug not in found]
            if unknown:
                raise ImportRefused(
                    f"unknown topic {', '.join(map(repr, unknown))}: create it in the admin first"
                )
            topics = [found[slug] for slug in data["topics"]]
        for key, value in data.items():
            if key != "topics":
                setattr(article, key, value)
        months = article.review_interval_months
        if not MIN_INTERVAL <= months <= MAX_INTERVAL:
            raise ImportRefused(
                f"review_interval_months must be {MIN_INTERVAL} to {MAX_INTERVAL}, not {months}"
            )
        try:
            article.full_clean(exclude=["topics"])
        except ValidationError as error:
            raise ImportRefused(_one_line(error)) from None

        if not created:
            # Bump the optimistic-locking counter, so an editor who opened the change form
            # before this import is told of it rather than overwriting it unseen.
            article.edit_version += 1
        with reversion.create_revision():
            reversion.set_user(by)
            reversion.set_comment(comment)
            article.save()
            if topics is not None:
                article.topics.set(topics)
    return article, "created" if created else "updated"


def _one_line(error):
    parts = []
    for field, messages in error.message_dict.items():
        label = "" if field == "__all__" else f"{field}: "
        parts.append(label + " ".join(message.rstrip(".") for message in messages))
    return "; ".join(parts)
