"""seed_bulk makes rounds exactly as the workflow would have, only faster."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from reversion.models import Version

from articles.models import Article
from reviews.models import ReviewEvent, ReviewRound, State
from reviews.search import index_round, searchable_body
from reviews.snapshots import render_snapshot, snapshot_digest


@pytest.fixture
def seeded(db):
    call_command("seed_bulk", articles=6, history_versions=12, stdout=io.StringIO())
    return ReviewRound.objects.filter(article__slug__startswith="bulk-")


def test_every_bulk_article_is_published_with_several_approved_rounds(seeded):
    articles = Article.objects.filter(slug__startswith="bulk-")
    assert articles.count() == 7  # six, and the one with a long history
    assert ReviewRound.objects.published().filter(article__in=articles).count() == 7
    for article in articles.exclude(slug="bulk-history-article"):
        rounds = list(article.review_rounds.order_by("number"))
        assert 2 <= len(rounds) <= 3
        assert [r.number for r in rounds] == list(range(1, len(rounds) + 1))
        assert all(r.state == State.APPROVED for r in rounds)
        assert all(r.decided_by_id != r.submitted_by_id for r in rounds)
        # The draft is the text of the last submission.
        assert article.body == rounds[-1].snapshot["article"]["body"]


def test_bulk_rounds_freeze_what_the_workflow_freezes(seeded):
    for review_round in seeded:
        snapshot = review_round.snapshot
        assert review_round.snapshot_sha256 == snapshot_digest(snapshot)
        assert review_round.rendered == render_snapshot(snapshot)
        assert review_round.search_body == searchable_body(review_round.rendered)
        assert 5 <= len(snapshot["references"]) <= 40
        assert len(snapshot["audiences"]) >= 2
        # Its topics as rows, as submit() sets them: the topic pages list by these.
        frozen_topics = {topic["slug"] for topic in snapshot["article"]["topics"]}
        assert frozen_topics
        assert set(review_round.topics.values_list("slug", flat=True)) == frozen_topics
        cited = set(review_round.cited_references.values_list("key", flat=True))
        assert cited == set(snapshot["references"])
        # The round's revision holds the article exactly as submitted.
        version = Version.objects.get(revision_id=review_round.revision_id)
        assert version.field_dict["body"] == snapshot["article"]["body"]
        actions = list(review_round.events.values_list("action", flat=True))
        assert actions == [
            ReviewEvent.Action.SUBMIT,
            ReviewEvent.Action.START_REVIEW,
            ReviewEvent.Action.APPROVE,
        ]


@pytest.mark.postgres
def test_bulk_search_vectors_equal_what_index_round_writes(seeded):
    assert connection.vendor == "postgresql"
    for review_round in seeded:
        bulk = ReviewRound.objects.values_list("search_vector", flat=True).get(pk=review_round.pk)
        assert bulk
        index_round(review_round)
        again = ReviewRound.objects.values_list("search_vector", flat=True).get(pk=review_round.pk)
        assert bulk == again


def test_the_history_article_has_the_versions_asked_for(seeded):
    article = Article.objects.get(slug="bulk-history-article")
    versions = Version.objects.get_for_object(article)
    assert versions.count() == 12
    assert len({version.field_dict["body"] for version in versions}) == 12
