from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0009_limits_overrides_from_apps"),
    ]

    operations = [
        migrations.AddField(
            model_name="plansubscription",
            name="gateway_event_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
