"""Full-text search over what readers may see.

A round's searchable text is frozen with it at submission, like the rest of the snapshot. On
PostgreSQL it is also indexed as a weighted tsvector (title A, summary B, body C) behind a GIN
index; on SQLite search falls back to a plain case-insensitive match.
"""

import html

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import F, Q, TextField, Value
from django.db.models.fields.json import KT
from django.utils.html import strip_tags

SEARCH_CONFIG = "english"
# Longer queries are cut: nobody types more, and the cap bounds the work one request can ask for.
MAX_QUERY_LENGTH = 200
# At most this many matching rounds are ranked and counted for one query. Ranking reads every
# match's whole vector, so a word found in most of 100,000 articles would otherwise take
# seconds; past this many matches the reader is asked for more words instead.
MAX_RANKED = 500


def searchable_body(rendered):
    """Plain text of every audience's body, each paragraph once, in reading order."""
    seen, paragraphs = set(), []
    for content in rendered["audiences"].values():
        for paragraph in html.unescape(strip_tags(content["body_html"])).split("\n"):
            paragraph = paragraph.strip()
            if paragraph and paragraph not in seen:
                seen.add(paragraph)
                paragraphs.append(paragraph)
    return "\n".join(paragraphs)


def index_round(review_round):
    """Write the round's weighted search vector (PostgreSQL only; a no-op elsewhere)."""
    index_rounds(type(review_round).objects.filter(pk=review_round.pk))


def index_rounds(rounds):
    """Write the weighted search vector of every round in the queryset `rounds`, in one UPDATE
    (PostgreSQL only; a no-op elsewhere): the title weighs most, then the summary, then the
    text of every audience's body."""
    if connection.vendor != "postgresql":
        return
    vector = (
        SearchVector(KT("snapshot__article__title"), weight="A", config=SEARCH_CONFIG)
        + SearchVector(KT("snapshot__article__summary"), weight="B", config=SEARCH_CONFIG)
        + SearchVector(F("search_body"), weight="C", config=SEARCH_CONFIG)
    )
    rounds.update(search_vector=vector)


def clean_query(text):
    """The query as searched: stripped of control characters and capped in length."""
    text = "".join(char for char in (text or "") if char.isprintable())
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def search_rounds(queryset, text):
    """`queryset` narrowed to rounds matching `text`, best first, each with a `snippet`.

    On PostgreSQL the snippet highlights matches with <mark> (and is otherwise escaped text);
    elsewhere it is None and the template shows the summary.
    """
    text = clean_query(text)
    if not text:
        return queryset.none()
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        first_matches = queryset.filter(search_vector=query).values("pk")[:MAX_RANKED]
        return (
            queryset.filter(pk__in=first_matches)
            .annotate(
                rank=SearchRank(F("search_vector"), query),
                snippet=SearchHeadline(
                    "search_body",
                    query,
                    config=SEARCH_CONFIG,
                    start_sel="\x01",
                    stop_sel="\x02",
                    max_words=35,
                    min_words=15,
                    max_fragments=2,
                ),
            )
            .order_by("-rank", "-submitted_at")
        )
    matches = Q()
    for word in text.split()[:10]:
        matches &= (
            Q(snapshot__article__title__icontains=word)
            | Q(snapshot__article__summary__icontains=word)
            | Q(search_body__icontains=word)
        )
    return (
        queryset.filter(matches)
        .annotate(snippet=Value(None, output_field=TextField()))
        .order_by("-submitted_at")
    )
