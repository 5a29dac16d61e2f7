"""Each review round gets, as rows, the topics its snapshot froze (public topic pages list by
them) and the library references its snapshot's references were copied from (the four-eyes
rule follows them whatever their keys become).

Rounds made before this migration have both in the snapshot by name: topics by slug
(snapshot["article"]["topics"]) and references by key (snapshot["references"]). Their rows are
filled from there, matching today's slugs and keys: a topic deleted since is left out, as it
would be from any page, and so is a reference whose key was changed since.
"""

from django.db import migrations, models

BATCH = 5000


def rows_from_snapshots(apps, schema_editor):
    ReviewRound = apps.get_model("reviews", "ReviewRound")
    topic_ids = dict(apps.get_model("articles", "Topic").objects.values_list("slug", "pk"))
    reference_ids = dict(
        apps.get_model("references", "Reference").objects.values_list("key", "pk")
    )
    round_topic = ReviewRound.topics.through
    round_reference = ReviewRound.cited_references.through
    topics, references = [], []
    for round_id, snapshot in ReviewRound.objects.values_list("pk", "snapshot").iterator():
        slugs = {topic["slug"] for topic in snapshot.get("article", {}).get("topics", ())}
        topics.extend(
            round_topic(reviewround_id=round_id, topic_id=topic_ids[slug])
            for slug in sorted(slugs & topic_ids.keys())
        )
        keys = set(snapshot.get("references", {}))
        references.extend(
            round_reference(reviewround_id=round_id, reference_id=reference_ids[key])
            for key in sorted(keys & reference_ids.keys())
        )
        if len(topics) + len(references) >= BATCH:
            round_topic.objects.bulk_create(topics)
            round_reference.objects.bulk_create(references)
            topics, references = [], []
    round_topic.objects.bulk_create(topics)
    round_reference.objects.bulk_create(references)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_text_limits"),
        ("references", "0006_text_limits"),
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
        migrations.AddField(
            model_name="reviewround",
            name="cited_references",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="references.reference"
            ),
        ),
        migrations.RunPython(rows_from_snapshots, migrations.RunPython.noop),
    ]
