"""The run state lives in sessions now (0003 moved it): the old columns go, and a thread is one
per channel identity."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0003_threads_split"),
        ("customers", "0006_identity_before_customer"),
        ("tenancy", "0004_business_chat_texts_by_language"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="conversation",
            name="conversation_key_unique",
        ),
        migrations.AddConstraint(
            model_name="conversation",
            constraint=models.UniqueConstraint(
                fields=("business", "identity"), name="conversation_thread_unique"
            ),
        ),
        migrations.RemoveField(
            model_name="conversation",
            name="completed_at",
        ),
        migrations.RemoveField(
            model_name="conversation",
            name="external_key",
        ),
        migrations.RemoveField(
            model_name="conversation",
            name="flow_key",
        ),
        migrations.RemoveField(
            model_name="conversation",
            name="handed_off_at",
        ),
        migrations.RemoveField(
            model_name="conversation",
            name="state",
        ),
        migrations.RemoveField(
            model_name="conversation",
            name="step",
        ),
        migrations.RemoveField(
            model_name="conversation",
            name="waiting",
        ),
    ]
