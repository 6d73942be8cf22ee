"""Existing outbox rows get the channel-neutral payload of what they were: one text reply."""

from django.db import migrations


def backfill(apps, schema_editor):
    OutboundMessage = apps.get_model("messaging", "OutboundMessage")
    rows = OutboundMessage.objects.filter(payload={}).only("pk", "body").iterator(chunk_size=500)
    batch = []
    for row in rows:
        row.payload = {"replies": [{"type": "text", "text": row.body}]}
        batch.append(row)
        if len(batch) >= 500:
            OutboundMessage.objects.bulk_update(batch, ["payload"])
            batch = []
    if batch:
        OutboundMessage.objects.bulk_update(batch, ["payload"])


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0004_outbox_payload_installation"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
