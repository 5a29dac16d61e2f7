"""The read model of what readers see: every public view of an article reads it here.

- `published_page(slug, audiences)`: the article page (and the JSON API): the published round
  with the frozen HTML of the one audience the page is for, the approval history and the
  disclaimers that audience sees.
- `listed_rounds()` and `published_rounds(queryset)`: the published rounds of a list (home,
  topics, search; the feed, the sitemap), without their HTML.

The article page is the public site's hottest path whenever the page cache misses. On
PostgreSQL it is read in one hand-written statement that returns everything as one JSON
document: through the ORM it took three queries whose compilation cost more than their execution
(docs/performance.md, "one statement"). Elsewhere (SQLite, for trying Vetted out) the ORM reads
the same: ReviewRound.objects.published(), the approved rounds, Disclaimer.objects.for_audience.
tests/reviews/test_pages.py holds the statement to what the ORM reads.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.models import Audience, Disclaimer
from references.citations import mark_retracted
from references.models import Reference
from reviews.models import ReviewRound, State, add_months

# Named parameters: slug, the two audiences the request asks for (either may be NULL; each is
# slug-shaped, so it is safe in a JSON path), the approved state, and `every`: whether to return
# every audience's HTML too (the API). The page is for the first asked-for audience the round
# has HTML for (a snapshot's audiences are exactly its rendered ones), else for its default.
#
# The inner SELECT reads the one row ReviewRound.objects.published() selects at the address and
# takes apart its two large JSON columns there, once: each mention of a stored (compressed)
# column decompresses all of it again, and `rendered` holds every audience's HTML. OFFSET 0
# keeps PostgreSQL from folding the inner SELECT back into the outer one.
POSTGRESQL = """
SELECT json_build_object(
    'slug', r.slug,
    'review_interval_months', r.review_interval_months,
    'number', r.number,
    'state', r.state,
    'snapshot_sha256', r.snapshot_sha256,
    'submitted_at', r.submitted_at,
    'decided_at', r.decided_at,
    'approver_name', r.approver_name,
    'approver_credentials', r.approver_credentials,
    'title', r.article -> 'title',
    'summary', r.article -> 'summary',
    'audiences', r.audiences,
    'default_audience', r.default_audience,
    'references', r.refs,
    'retracted_now', (
        SELECT json_agg(json_build_array(ref.key, ref.retraction_doi))
        FROM references_reference AS ref
        WHERE ref.retracted AND ref.key IN (SELECT jsonb_object_keys(r.refs))
    ),
    'audience', CASE
        WHEN r.html ? %(asked)s THEN %(asked)s
        WHEN r.html ? %(remembered)s THEN %(remembered)s
        ELSE r.default_audience
    END,
    'content', COALESCE(
        r.html -> %(asked)s, r.html -> %(remembered)s, r.html -> r.default_audience
    ),
    'contents', CASE WHEN %(every)s THEN r.html END,
    'history', (
        SELECT json_agg(json_build_array(
            h.decided_at, h.approver_name, h.approver_credentials, h.what_changed))
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
FROM (
    SELECT
        round.article_id, round.slug, round.review_interval_months, round.number, round.state,
        round.snapshot_sha256, round.submitted_at, round.decided_at, round.approver_name,
        round.approver_credentials,
        round.rendered -> 'audiences' AS html,
        round.rendered ->> 'default_audience' AS default_audience,
        round.snapshot -> 'article' AS article,
        round.snapshot -> 'references' AS refs,
        round.snapshot -> 'audiences' AS audiences
    FROM reviews_reviewround AS round
    WHERE round.slug = %(slug)s AND round.is_published
    OFFSET 0
) AS r"""

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
    what_changed: str  # the public line the board approved with the round


@dataclass(frozen=True)
class PublishedRound:
    """What readers see of an article's published round, apart from its HTML."""

    slug: str  # the address readers reach it at (as approved; the draft's may differ)
    review_interval_months: int  # as approved
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

    @classmethod
    def fields_of(cls, review_round):
        """The fields of a ReviewRound as this class names them."""
        snapshot = review_round.snapshot
        return {
            "slug": review_round.slug,
            "review_interval_months": review_round.review_interval_months,
            "number": review_round.number,
            "state": review_round.state,
            "snapshot_sha256": review_round.snapshot_sha256,
            "submitted_at": review_round.submitted_at,
            "decided_at": review_round.decided_at,
            "approver_name": review_round.approver_name,
            "approver_credentials": review_round.approver_credentials,
            "title": snapshot["article"]["title"],
            "summary": snapshot["article"]["summary"],
            "audiences": snapshot["audiences"],
            "default_audience": snapshot["default_audience"],
            "references": snapshot["references"],
        }

    @property
    def is_approved(self):
        return self.state == State.APPROVED

    @property
    def approved_at(self):
        return self.decided_at if self.is_approved else None

    @property
    def last_updated(self):
        return self.decided_at or self.submitted_at

    @property
    def next_review_due(self):
        """Approval date plus the article's review interval; None until approved."""
        if not self.is_approved:
            return None
        return add_months(self.decided_at, self.review_interval_months)


@dataclass(frozen=True)
class PublishedPage(PublishedRound):
    """The published round of one article with everything its page shows one audience."""

    audience: str  # the audience this page is for
    content: dict  # that audience's frozen HTML: body_html, evidence_html, references_html, …
    history: list  # Approval, newest first
    disclaimers: list  # (placement, Markdown body) shown to this audience, in display order
    contents: dict | None = None  # every audience's HTML by slug, when asked for (the API)

    @property
    def audience_name(self):
        return next(item["name"] for item in self.audiences if item["slug"] == self.audience)

    def disclaimers_at(self, placement):
        """The Markdown bodies of this page's disclaimers shown at `placement` (top, bottom)."""
        return [body for where, body in self.disclaimers if where == placement]

    @property
    def review_steps(self):
        """The review stepper every article page shows: each step's label, whether it is done
        and whether it is the round's state now. A state off the stepper counts as its first
        step."""
        states = [state for state, _ in REVIEW_STEPS]
        current = states.index(self.state) if self.state in states else 0
        return [
            {"label": label, "done": index < current, "current": index == current}
            for index, (_, label) in enumerate(REVIEW_STEPS)
        ]


# The steps of review a reader is shown, in order (PublishedPage.review_steps).
REVIEW_STEPS = [
    (State.SUBMITTED, "Submitted"),
    (State.UNDER_REVIEW, "Under review"),
    (State.APPROVED, "Approved"),
]

# What pages never read of a round: its search text.
NOT_READ = ["search_body", "search_vector"]


def listed_rounds():
    """The published rounds, for lists of articles: without their HTML and search text. Lists
    read only the round (its snapshot and address), never the draft."""
    return ReviewRound.objects.published().defer("rendered", *NOT_READ)


def published_in_topic():
    """For Exists(): the topic (OuterRef "pk") has a published article.

    By the topics the published round was submitted with: the draft's topics reach readers
    only with an approved round, like its text. Written from the topic's side, so that each
    topic stops at its first published round instead of joining all rounds.
    """
    return ReviewRound.topics.through.objects.filter(
        topic_id=OuterRef("pk"), reviewround__is_published=True
    )


def published_rounds(rounds):
    """PublishedRound of each round in `rounds` (a ReviewRound queryset of published rounds,
    filtered and ordered by the caller), read in one query without their HTML."""
    rows = rounds.defer("rendered", *NOT_READ)
    return [PublishedRound(**PublishedRound.fields_of(review_round)) for review_round in rows]


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


def with_retractions(retracted_now, references, content, contents):
    """The round's references and HTML with every reference retracted now marked so, whether or
    not it was retracted when the round was frozen: (references, content, contents).

    A retraction is a fact about the world, not an editorial change: marking it changes no word
    the board approved, and a reader must be warned even before the board looks again. So the
    "Retracted" label shows when the frozen snapshot or the library says so
    (docs/references.md, "Retractions"). `retracted_now` maps a cited key to its notice's DOI.
    """
    newly = {
        key: notice
        for key, notice in retracted_now.items()
        if key in references and references[key].get("retracted") is not True
    }
    if not newly:
        return references, content, contents
    references = {
        key: {**data, "retracted": True, "retraction_doi": newly[key]} if key in newly else data
        for key, data in references.items()
    }

    def marked(html):
        numbers = {
            number: newly[key]
            for number, key in enumerate(html.get("cited_keys", ()), start=1)
            if key in newly
        }
        if not numbers:
            return html
        return {**html, "references_html": mark_retracted(html["references_html"], numbers)}

    if contents is not None:
        contents = {slug: marked(html) for slug, html in contents.items()}
    return references, marked(content), contents


def published_page(slug, audiences=(None, None), *, every_audience=False):
    """The published page of the article at `slug`, or None when readers have nothing there.

    `audiences` are the (at most two) audiences asked for, best first; the page is for the first
    the article is written for, else for the article's default audience. The public site passes
    only the address's ?audience= (publishing.views): the address alone decides the page, so
    shared caches can keep it. With `every_audience`, the page's `contents` hold every
    audience's HTML as well.
    """
    asked, remembered = (slug_or_none(value) for value in audiences)
    if connection.vendor == "postgresql":
        return _read_in_one_statement(slug, asked, remembered, every_audience)
    return _read_with_the_orm(slug, asked, remembered, every_audience)


def _read_in_one_statement(slug, asked, remembered, every_audience):
    params = {
        "slug": slug,
        "asked": asked,
        "remembered": remembered,
        "approved": State.APPROVED,
        "every": every_audience,
    }
    # Prepared: the server plans it once per connection, not on every page (config.postgresql).
    with connection.prepared_cursor() as cursor:
        cursor.execute(POSTGRESQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    history = [
        Approval(moment(decided_at), name, credentials, note)
        for decided_at, name, credentials, note in data["history"] or ()
    ]
    history.sort(key=lambda approval: approval.decided_at, reverse=True)
    references, content, contents = with_retractions(
        dict(data["retracted_now"] or ()), data["references"], data["content"], data["contents"]
    )
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
        references=references,
        audience=data["audience"],
        content=content,
        contents=contents,
        history=history,
        disclaimers=disclaimers_shown(
            data["disclaimers"] or (), data["audience"], pending=data["state"] != State.APPROVED
        ),
    )


def _read_with_the_orm(slug, asked, remembered, every_audience):
    review_round = ReviewRound.objects.published().filter(slug=slug).defer(*NOT_READ).first()
    if review_round is None:
        return None
    rendered = review_round.rendered["audiences"]
    audience = next(
        (slug for slug in (asked, remembered) if slug in rendered),
        review_round.rendered["default_audience"],
    )
    history = [
        Approval(*row)
        for row in ReviewRound.objects.filter(
            article_id=review_round.article_id, state=State.APPROVED
        )
        .order_by("-decided_at")
        .values_list("decided_at", "approver_name", "approver_credentials", "what_changed")
    ]
    disclaimers = Disclaimer.objects.for_audience(audience, pending=not review_round.is_approved)
    fields = PublishedRound.fields_of(review_round)
    retracted_now = dict(
        Reference.objects.filter(key__in=list(fields["references"]), retracted=True).values_list(
            "key", "retraction_doi"
        )
    )
    contents = rendered if every_audience else None
    fields["references"], content, contents = with_retractions(
        retracted_now, fields["references"], rendered[audience], contents
    )
    return PublishedPage(
        **fields,
        audience=audience,
        content=content,
        contents=contents,
        history=history,
        disclaimers=[(disclaimer.placement, disclaimer.body) for disclaimer in disclaimers],
    )


def current_address(slug):
    """The address readers reach the article at that was once published at `slug`, or None
    (nothing was ever published there, or it is still the address): old addresses redirect."""
    articles = ReviewRound.objects.filter(slug=slug, state=State.APPROVED).values("article_id")
    return (
        ReviewRound.objects.published()
        .filter(article_id__in=articles)
        .exclude(slug=slug)
        .values_list("slug", flat=True)
        .first()
    )
