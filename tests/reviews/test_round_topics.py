"""A round keeps the topics it was submitted with (ReviewRound.topics) and the library rows of
the references it cites (ReviewRound.cited_references); migration 0011 gave rounds made before
it both from their snapshots."""

from importlib import import_module

import pytest
from django.apps import apps

from reviews import workflow
from tests import factories

pytestmark = pytest.mark.django_db

migration = import_module("reviews.migrations.0011_round_topics_and_references")


@pytest.fixture
def article(editor, audiences):
    return factories.ArticleFactory(created_by=editor, slug="bones", body="Bones need light.")


def test_submit_freezes_the_draft_topics_with_the_round(article, editor):
    bones, sun = factories.TopicFactory(slug="bones"), factories.TopicFactory(slug="sun")
    article.topics.set([bones, sun])
    review_round = workflow.submit(article, by=editor)
    assert set(review_round.topics.all()) == {bones, sun}
    assert {t["slug"] for t in review_round.snapshot["article"]["topics"]} == {"bones", "sun"}
    article.topics.set([sun])  # the draft moves on; the round does not
    assert set(review_round.topics.all()) == {bones, sun}


def test_submit_keeps_the_rows_of_the_cited_references(article, editor):
    cited = factories.ReferenceFactory(key="cited-2024")
    factories.ReferenceFactory(key="not-cited")
    article.body = "Bones need light [@cited-2024]."
    article.save()
    review_round = workflow.submit(article, by=editor)
    assert list(review_round.cited_references.all()) == [cited]


def test_the_migration_fills_round_rows_from_snapshots(article, editor, board_member):
    bones, sun = factories.TopicFactory(slug="bones"), factories.TopicFactory(slug="sun")
    cited = factories.ReferenceFactory(key="cited-2024")
    article.body = "Bones need light [@cited-2024]."
    article.save()
    article.topics.set([bones, sun])
    first = factories.approve(article, editor=editor, board_member=board_member)
    article.topics.set([bones])
    second = workflow.submit(article, by=editor)
    untouched = factories.ArticleFactory(created_by=editor, slug="plain", body="No topics.")
    third = workflow.submit(untouched, by=editor)
    for review_round in (first, second, third):
        review_round.topics.clear()  # as rounds were before the migration
        review_round.cited_references.clear()
    sun.delete()  # a topic deleted since is left out

    migration.rows_from_snapshots(apps, schema_editor=None)

    assert list(first.topics.all()) == [bones]
    assert list(second.topics.all()) == [bones]
    assert list(third.topics.all()) == []
    assert list(first.cited_references.all()) == list(second.cited_references.all()) == [cited]
    assert list(third.cited_references.all()) == []
