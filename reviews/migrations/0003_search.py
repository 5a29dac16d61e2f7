import django.contrib.postgres.search
from django.db import migrations, models


def create_search_index(apps, schema_editor):
    # GIN is PostgreSQL's; SQLite searches with a plain match and needs no index.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS reviewround_search_vector_gin "
            "ON reviews_reviewround USING gin (search_vector)"
        )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS reviewround_search_vector_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_editorial_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewround",
            name="search_body",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="reviewround",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
