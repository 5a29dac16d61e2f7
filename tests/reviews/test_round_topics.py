"""A round keeps the topics it was submitted with (ReviewRound.topics), and migration 0011 gave
rounds made before it their topics from their snapshots."""

from importlib import import_module

import pytest
from django.apps import apps

from reviews import workflow
from tests import factories

pytestmark = pytest.mark.django_db

migration = import_module("reviews.migrations.0011_round_topics")


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


def test_the_migration_fills_round_topics_from_snapshots(article, editor, board_member):
    bones, sun = factories.TopicFactory(slug="bones"), factories.TopicFactory(slug="sun")
    article.topics.set([bones, sun])
    first = factories.approve(article, editor=editor, board_member=board_member)
    article.topics.set([bones])
    second = workflow.submit(article, by=editor)
    untouched = factories.ArticleFactory(created_by=editor, slug="plain", body="No topics.")
    third = workflow.submit(untouched, by=editor)
    for review_round in (first, second, third):
        review_round.topics.clear()  # as rounds were before the migration
    sun.delete()  # a topic deleted since is left out

    migration.topics_from_snapshots(apps, schema_editor=None)

    assert list(first.topics.all()) == [bones]
    assert list(second.topics.all()) == [bones]
    assert list(third.topics.all()) == []
