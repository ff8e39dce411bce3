from django.db import migrations, models


class Migration(migrations.Migration):
    # A nullable column without a default: PostgreSQL adds it without rewriting or scanning the table.

    dependencies = [
        ("groups", "0003_group_names_unique_among_siblings"),
    ]

    operations = [
        migrations.AddField(
            model_name="group",
            name="rule",
            field=models.JSONField(blank=True, default=None, null=True),
        ),
    ]
