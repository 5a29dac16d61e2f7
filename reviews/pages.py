"""What an article page shows, read in one statement.

The article page is the public site's hottest path whenever its page cache misses, and on every
request when no cache is configured. Read through the ORM it took three queries (the round, its
approval history, the disclaimers) whose compilation cost more than their execution. Here one
hand-written statement per database returns all of it as one JSON document:

- the published round: exactly the row `ReviewRound.objects.published()` selects (is_published),
  with the frozen HTML of only the audiences the request could be shown;
- the article's approved rounds, for the update history;
- the site's active disclaimers with the audiences each applies to, chosen here in Python.

tests/reviews/test_pages.py holds every field to what the ORM reads.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from reviews.models import State, add_months

# Both statements take the same named parameters: slug, the two audiences the request asks for
# (either may be NULL; each is slug-shaped, so it is safe in a JSON path), and the approved
# state. Of the frozen HTML they return only the default audience's and the asked-for ones'.
POSTGRESQL = """
SELECT json_build_object(
    'slug', a.slug,
    'review_interval_months', a.review_interval_months,
    'number', r.number,
    'state', r.state,
    'snapshot_sha256', r.snapshot_sha256,
    'submitted_at', r.submitted_at,
    'decided_at', r.decided_at,
    'approver_name', r.approver_name,
    'approver_credentials', r.approver_credentials,
    'title', r.snapshot -> 'article' -> 'title',
    'summary', r.snapshot -> 'article' -> 'summary',
    'audiences', r.snapshot -> 'audiences',
    'default_audience', r.rendered -> 'default_audience',
    'references', r.snapshot -> 'references',
    'contents', json_build_object(
        'default', r.rendered -> 'audiences' -> (r.rendered ->> 'default_audience'),
        'asked', CASE WHEN %(asked)s <> r.rendered ->> 'default_audience'
            THEN r.rendered -> 'audiences' -> %(asked)s END,
        'remembered', CASE WHEN %(remembered)s <> r.rendered ->> 'default_audience'
            THEN r.rendered -> 'audiences' -> %(remembered)s END
    ),
    'history', (
        SELECT json_agg(json_build_array(
            h.decided_at, h.approver_name, h.approver_credentials, h.note))
        FROM reviews_reviewround AS h
        WHERE h.article_id = r.article_id AND h.state = %(approved)s
    ),
    'disclaimers', (
        SELECT json_agg(json_build_array(
            d."order", d.id, d.placement, d.visibility, d.body,
            ARRAY(
                SELECT au.slug
                FROM articles_disclaimer_audiences AS da
                JOIN articles_audience AS au ON au.id = da.audience_id
                WHERE da.disclaimer_id = d.id
            )))
        FROM articles_disclaimer AS d
        WHERE d.active
    )
)::text
FROM reviews_reviewround AS r
JOIN articles_article AS a ON a.id = r.article_id
WHERE a.slug = %(slug)s AND r.is_published
"""

# SQLite drops the JSON subtype of a subquery's result, hence json() around each one.
SQLITE = """
SELECT json_object(
    'slug', a.slug,
    'review_interval_months', a.review_interval_months,
    'number', r.number,
    'state', r.state,
    'snapshot_sha256', r.snapshot_sha256,
    'submitted_at', r.submitted_at,
    'decided_at', r.decided_at,
    'approver_name', r.approver_name,
    'approver_credentials', r.approver_credentials,
    'title', json_extract(r.snapshot, '$.article.title'),
    'summary', json_extract(r.snapshot, '$.article.summary'),
    'audiences', json(json_extract(r.snapshot, '$.audiences')),
    'default_audience', json_extract(r.rendered, '$.default_audience'),
    'references', json(json_extract(r.snapshot, '$.references')),
    'contents', json_object(
        'default', json_extract(
            r.rendered, '$.audiences."' || json_extract(r.rendered, '$.default_audience') || '"'),
        'asked', CASE WHEN %(asked)s <> json_extract(r.rendered, '$.default_audience')
            THEN json_extract(r.rendered, '$.audiences."' || %(asked)s || '"') END,
        'remembered', CASE WHEN %(remembered)s <> json_extract(r.rendered, '$.default_audience')
            THEN json_extract(r.rendered, '$.audiences."' || %(remembered)s || '"') END
    ),
    'history', json((
        SELECT json_group_array(json_array(
            h.decided_at, h.approver_name, h.approver_credentials, h.note))
        FROM reviews_reviewround AS h
        WHERE h.article_id = r.article_id AND h.state = %(approved)s
    )),
    'disclaimers', json((
        SELECT json_group_array(json_array(
            d."order", d.id, d.placement, d.visibility, d.body,
            json((
                SELECT json_group_array(au.slug)
                FROM articles_disclaimer_audiences AS da
                JOIN articles_audience AS au ON au.id = da.audience_id
                WHERE da.disclaimer_id = d.id
            ))))
        FROM articles_disclaimer AS d
        WHERE d.active
    ))
)
FROM reviews_reviewround AS r
JOIN articles_article AS a ON a.id = r.article_id
WHERE a.slug = %(slug)s AND r.is_published
"""

STATEMENTS = {"postgresql": POSTGRESQL, "sqlite": SQLITE}
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def moment(text):
    """A timestamp as either database writes it into JSON, as an aware datetime (or None)."""
    if text is None:
        return None
    value = parse_datetime(text)
    # SQLite keeps UTC without an offset (USE_TZ is on).
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Approval:
    """One line of an article's update history."""

    decided_at: datetime
    approver_name: str
    approver_credentials: str
    note: str


@dataclass(frozen=True)
class PageDisclaimer:
    placement: str
    visibility: str
    body: str  # Markdown
    audiences: frozenset  # slugs; empty means every audience

    def applies(self, audience, *, pending):
        if self.audiences and audience not in self.audiences:
            return False
        return pending or self.visibility == "always"


@dataclass(frozen=True)
class PublishedPage:
    """The published round of one article with everything its public page shows."""

    slug: str  # the article's address now (the snapshot's may be older)
    review_interval_months: int
    number: int
    state: str
    snapshot_sha256: str
    submitted_at: datetime
    decided_at: datetime | None
    approver_name: str
    approver_credentials: str
    title: str
    summary: str
    audiences: list  # [{"slug": …, "name": …}, …] as frozen in the snapshot
    default_audience: str
    references: dict  # key -> reference data, as frozen in the snapshot
    contents: dict  # audience slug -> frozen HTML parts, for the audiences asked for only
    history: list  # Approval, newest first
    disclaimers: list  # PageDisclaimer, in display order

    @property
    def is_approved(self):
        return self.state == State.APPROVED

    @property
    def last_updated(self):
        return self.decided_at or self.submitted_at

    @property
    def next_review_due(self):
        """Approval date plus the article's review interval; None until approved."""
        if not self.is_approved:
            return None
        return add_months(self.decided_at, self.review_interval_months)

    @cached_property
    def audience_names(self):
        return {item["slug"]: item["name"] for item in self.audiences}

    def choose_audience(self, candidates):
        """The first of `candidates` this article is written for, else its default audience."""
        for candidate in candidates:
            if candidate in self.audience_names:
                return candidate
        return self.default_audience

    def content_for(self, audience):
        """The frozen HTML for `audience` (the default audience's when it has none)."""
        return self.contents.get(audience) or self.contents[self.default_audience]

    def disclaimers_for(self, audience):
        pending = not self.is_approved
        return [item for item in self.disclaimers if item.applies(audience, pending=pending)]


def slug_or_none(value):
    return value if value and SLUG.fullmatch(value) else None


def frozen_contents(data, asked):
    """audience slug -> frozen HTML parts, from the document's default/asked/remembered parts."""
    parts = data["contents"]
    found = {data["default_audience"]: parts["default"]}
    for name, slug in asked.items():
        if parts[name] is not None:
            found[slug] = parts[name]
    return found


def published_page(slug, audiences=(None, None)):
    """The published page of the article at `slug`, or None when readers have nothing there.

    `audiences` are the (at most two) audiences the reader asked for, best first: the page's
    contents hold those of them the article is written for, and its default audience.
    """
    asked, remembered = (slug_or_none(value) for value in audiences)
    if remembered == asked:
        remembered = None
    params = {"slug": slug, "asked": asked, "remembered": remembered, "approved": State.APPROVED}
    with connection.cursor() as cursor:
        cursor.execute(STATEMENTS[connection.vendor], params)
        row = cursor.fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    history = [
        Approval(moment(decided_at), name, credentials, note)
        for decided_at, name, credentials, note in data["history"] or ()
    ]
    history.sort(key=lambda approval: approval.decided_at, reverse=True)
    disclaimers = [
        PageDisclaimer(placement, visibility, body, frozenset(slugs or ()))
        for _order, _id, placement, visibility, body, slugs in sorted(
            data["disclaimers"] or (), key=lambda item: (item[0], item[1])
        )
    ]
    return PublishedPage(
        slug=data["slug"],
        review_interval_months=data["review_interval_months"],
        number=data["number"],
        state=data["state"],
        snapshot_sha256=data["snapshot_sha256"],
        submitted_at=moment(data["submitted_at"]),
        decided_at=moment(data["decided_at"]),
        approver_name=data["approver_name"],
        approver_credentials=data["approver_credentials"],
        title=data["title"],
        summary=data["summary"],
        audiences=data["audiences"],
        default_audience=data["default_audience"],
        references=data["references"],
        contents=frozen_contents(data, {"asked": asked, "remembered": remembered}),
        history=history,
        disclaimers=disclaimers,
    )
