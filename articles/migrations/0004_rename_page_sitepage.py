"""Page becomes SitePage: "page" alone now means an article page readers get.

The table is renamed (contenttypes renames its row itself); permissions granted on the old
model keep working under their new codenames.
"""

from django.db import migrations

ACTIONS = ("add", "change", "delete", "view")


def rename_permissions(apps, schema_editor, old="page", new="sitepage"):
    Permission = apps.get_model("auth", "Permission")
    for action in ACTIONS:
        Permission.objects.filter(
            content_type__app_label="articles", codename=f"{action}_{old}"
        ).update(codename=f"{action}_{new}", name=f"Can {action} site page")


def restore_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for action in ACTIONS:
        Permission.objects.filter(
            content_type__app_label="articles", codename=f"{action}_sitepage"
        ).update(codename=f"{action}_page", name=f"Can {action} page")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_article_title_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameModel("Page", "SitePage"),
        migrations.AlterModelOptions(
            name="sitepage", options={"ordering": ["title"], "verbose_name": "site page"}
        ),
        migrations.RunPython(rename_permissions, restore_permissions),
    ]
