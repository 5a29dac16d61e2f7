"""What an article page shows, read in one statement.

The article page is the public site's hottest path whenever its page cache misses, and on every
request when no cache is configured. Read through the ORM it took three queries (the round, its
approval history, the disclaimers) whose compilation cost more than their execution. Here one
hand-written statement per database returns all of it as one JSON document:

- the published round: exactly the row `ReviewRound.objects.published()` selects (is_published),
  with the frozen HTML of the one audience the page is for;
- the article's approved rounds, for the update history;
- the site's active disclaimers with the audiences each applies to (chosen here in Python).

tests/reviews/test_pages.py holds every field to what the ORM reads.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.models import Audience, Disclaimer
from reviews.models import State, add_months

# What both statements read alike: the article's and the round's own columns, and the row they
# come from, which is the one ReviewRound.objects.published() selects for the article.
COLUMNS = """
    'slug', a.slug,
    'review_interval_months', a.review_interval_months,
    'number', r.number,
    'state', r.state,
    'snapshot_sha256', r.snapshot_sha256,
    'submitted_at', r.submitted_at,
    'decided_at', r.decided_at,
    'approver_name', r.approver_name,
    'approver_credentials', r.approver_credentials,
""".strip()
PUBLISHED_ROUND = """
FROM reviews_reviewround AS r
JOIN articles_article AS a ON a.id = r.article_id
WHERE a.slug = %(slug)s AND r.is_published
"""

# Both statements take the same named parameters: slug, the two audiences the request asks for
# (either may be NULL; each is slug-shaped, so it is safe in a JSON path), and the approved
# state. The page is for the first asked-for audience the round has HTML for (a snapshot's
# audiences are exactly its rendered ones), else for its default audience.
POSTGRESQL = f"""
SELECT json_build_object(
    {COLUMNS}
    'title', r.snapshot -> 'article' -> 'title',
    'summary', r.snapshot -> 'article' -> 'summary',
    'audiences', r.snapshot -> 'audiences',
    'default_audience', r.rendered ->> 'default_audience',
    'references', r.snapshot -> 'references',
    'audience', CASE
        WHEN r.rendered -> 'audiences' ? %(asked)s THEN %(asked)s
        WHEN r.rendered -> 'audiences' ? %(remembered)s THEN %(remembered)s
        ELSE r.rendered ->> 'default_audience'
    END,
    'content', COALESCE(
        r.rendered -> 'audiences' -> %(asked)s,
        r.rendered -> 'audiences' -> %(remembered)s,
        r.rendered -> 'audiences' -> (r.rendered ->> 'default_audience')
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
{PUBLISHED_ROUND}"""

# SQLite drops the JSON subtype of a subquery's result, hence json() around each one.
SQLITE = f"""
SELECT json_object(
    {COLUMNS}
    'title', json_extract(r.snapshot, '$.article.title'),
    'summary', json_extract(r.snapshot, '$.article.summary'),
    'audiences', json(json_extract(r.snapshot, '$.audiences')),
    'default_audience', json_extract(r.rendered, '$.default_audience'),
    'references', json(json_extract(r.snapshot, '$.references')),
    'audience', CASE
        WHEN json_type(r.rendered, '$.audiences."' || %(asked)s || '"') IS NOT NULL
            THEN %(asked)s
        WHEN json_type(r.rendered, '$.audiences."' || %(remembered)s || '"') IS NOT NULL
            THEN %(remembered)s
        ELSE json_extract(r.rendered, '$.default_audience')
    END,
    'content', json(COALESCE(
        json_extract(r.rendered, '$.audiences."' || %(asked)s || '"'),
        json_extract(r.rendered, '$.audiences."' || %(remembered)s || '"'),
        json_extract(
            r.rendered, '$.audiences."' || json_extract(r.rendered, '$.default_audience') || '"')
    )),
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
{PUBLISHED_ROUND}"""

STATEMENTS = {"postgresql": POSTGRESQL, "sqlite": SQLITE}
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
AUDIENCE_SLUG_LENGTH = Audience._meta.get_field("slug").max_length


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
class PublishedPage:
    """The published round of one article with everything its page shows one audience."""

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
    audience: str  # the audience this page is for
    content: dict  # that audience's frozen HTML: body_html, evidence_html, references_html, …
    history: list  # Approval, newest first
    disclaimers: list  # (placement, Markdown body) shown to this audience, in display order

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

    @property
    def audience_name(self):
        return next(item["name"] for item in self.audiences if item["slug"] == self.audience)


def slug_or_none(value):
    """`value` when it could be an audience's slug, else None: nothing else is sent to the
    database (the shape keeps it safe in a JSON path, the length keeps long values away)."""
    if value and len(value) <= AUDIENCE_SLUG_LENGTH and SLUG.fullmatch(value):
        return value
    return None


def disclaimers_shown(rows, audience, *, pending):
    """(placement, body) of the disclaimers readers of `audience` see, in display order.

    `rows` are (order, id, placement, visibility, body, audience slugs) as the statement
    returns them: those naming no audience apply to all, "pending" ones only to pages of a round
    still under review (as Disclaimer.objects.for_audience and its Visibility say).
    """
    return [
        (placement, body)
        for _order, _id, placement, visibility, body, slugs in sorted(rows, key=lambda row: row[:2])
        if (not slugs or audience in slugs)
        and (pending or visibility == Disclaimer.Visibility.ALWAYS)
    ]


def published_page(slug, audiences=(None, None)):
    """The published page of the article at `slug`, or None when readers have nothing there.

    `audiences` are the (at most two) audiences the reader asked for, best first (the address's
    ?audience=, then the cookie); the page is for the first the article is written for, else for
    the article's default audience.
    """
    asked, remembered = (slug_or_none(value) for value in audiences)
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
        audience=data["audience"],
        content=data["content"],
        history=history,
        disclaimers=disclaimers_shown(
            data["disclaimers"] or (), data["audience"], pending=data["state"] != State.APPROVED
        ),
    )
