"""Each review round gets the topics its snapshot froze, as rows that topic pages can list by.

Rounds made before this migration have their topics in the snapshot already
(snapshot["article"]["topics"], by slug); those rows are filled from there. A topic deleted since
is simply left out, as it would be from any page.
"""

from django.db import migrations, models


def topics_from_snapshots(apps, schema_editor):
    ReviewRound = apps.get_model("reviews", "ReviewRound")
    Topic = apps.get_model("articles", "Topic")
    through = ReviewRound.topics.through
    topic_ids = dict(Topic.objects.values_list("slug", "pk"))
    rows = []
    for round_id, snapshot in ReviewRound.objects.values_list("pk", "snapshot").iterator():
        slugs = {topic["slug"] for topic in snapshot.get("article", {}).get("topics", ())}
        rows.extend(
            through(reviewround_id=round_id, topic_id=topic_ids[slug])
            for slug in sorted(slugs)
            if slug in topic_ids
        )
        if len(rows) >= 5000:
            through.objects.bulk_create(rows)
            rows = []
    through.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_text_limits"),
        ("reviews", "0010_review_comments"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewround",
            name="topics",
            field=models.ManyToManyField(
                blank=True, related_name="review_rounds", to="articles.topic"
            ),
        ),
        migrations.RunPython(topics_from_snapshots, migrations.RunPython.noop),
    ]
