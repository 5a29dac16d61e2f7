"""A round freezes the draft's publication settings (address, review interval, pending
publication) and carries a public "what changed" line apart from the internal note.

Existing rounds take the settings their article has now: that is what readers saw until today.
Their notes stay internal; no existing round gets a public line.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def copy_settings_from_articles(apps, schema_editor):
    ReviewRound = apps.get_model("reviews", "ReviewRound")
    Article = apps.get_model("articles", "Article")
    for field in ("slug", "allow_pending_publication", "review_interval_months"):
        value = Article.objects.filter(pk=OuterRef("article_id")).values(field)[:1]
        ReviewRound.objects.update(**{field: Subquery(value)})


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_rename_page_sitepage"),
        ("reviews", "0006_revert_records"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewround",
            name="slug",
            field=models.SlugField(default="", max_length=200, verbose_name="address"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="reviewround",
            name="allow_pending_publication",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="reviewround",
            name="review_interval_months",
            field=models.PositiveSmallIntegerField(default=12),
        ),
        migrations.RunPython(copy_settings_from_articles, migrations.RunPython.noop),
        migrations.AddField(
            model_name="reviewround",
            name="what_changed",
            field=models.CharField(
                blank=True,
                help_text="One public line for the article's update history, approved with the round.",
                max_length=300,
                verbose_name="what changed",
            ),
        ),
        migrations.AlterField(
            model_name="reviewround",
            name="note",
            field=models.TextField(
                blank=True,
                help_text="Internal: what the board should know. Never shown to readers.",
                max_length=5000,
                verbose_name="note for the board",
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewround",
            constraint=models.UniqueConstraint(
                condition=Q(is_published=True),
                fields=("slug",),
                name="reviewround_one_published_per_address",
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewround",
            constraint=models.CheckConstraint(
                condition=Q(review_interval_months__gte=1) & Q(review_interval_months__lte=60),
                name="reviewround_review_interval_range",
            ),
        ),
        migrations.AddIndex(
            model_name="reviewround",
            index=models.Index(fields=["slug", "state"], name="reviewround_address"),
        ),
    ]
