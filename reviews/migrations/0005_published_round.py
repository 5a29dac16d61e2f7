"""Store which round readers see (ReviewRound.is_published) instead of working it out per query."""

from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery

OPEN_STATES = ("submitted", "under_review")


def mark_published(apps, schema_editor):
    """Mark each article's newest visible round, as reviews.workflow.publish does."""
    ReviewRound = apps.get_model("reviews", "ReviewRound")
    visible = ReviewRound.objects.filter(
        Q(state="approved") | Q(state__in=OPEN_STATES, article__allow_pending_publication=True)
    )
    newest = (
        visible.filter(article=OuterRef("article"))
        .order_by("-submitted_at", "-pk")
        .values("pk")[:1]
    )
    ReviewRound.objects.filter(pk=Subquery(newest)).update(is_published=True)


def search_only_published(apps, schema_editor):
    # Readers search only published rounds, so the GIN index holds only those.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS reviewround_search_vector_gin")
        schema_editor.execute(
            "CREATE INDEX reviewround_search_vector_gin ON reviews_reviewround "
            "USING gin (search_vector) WHERE is_published"
        )


def search_all_rounds(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS reviewround_search_vector_gin")
        schema_editor.execute(
            "CREATE INDEX reviewround_search_vector_gin ON reviews_reviewround "
            "USING gin (search_vector)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_articlereviewdate"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewround",
            name="is_published",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(mark_published, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="reviewround",
            index=models.Index(fields=["submitted_at", "id"], name="reviewround_queue_order"),
        ),
        migrations.AddIndex(
            model_name="reviewround",
            index=models.Index(
                condition=models.Q(("is_published", True)),
                fields=["-decided_at", "-submitted_at"],
                name="reviewround_published_recent",
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewround",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_published", True)),
                fields=("article",),
                name="reviewround_one_published_per_article",
            ),
        ),
        migrations.RunPython(search_only_published, search_all_rounds),
    ]
