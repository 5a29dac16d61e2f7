"""Record on each revert's revision which revision it restored (reviews.Revert), so the
four-eyes rule can count the authors of restored text."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reversion', '0002_add_index_on_version_for_content_type_and_db'),
        ('reviews', '0005_published_round'),
    ]

    operations = [
        migrations.CreateModel(
            name='Revert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('restored', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reversion.revision')),
                ('revision', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='revert_record', to='reversion.revision')),
            ],
        ),
    ]
