"""Adds the blind index of a phone number's last digits (search by "…4567") and fills it for the
customers already there, with the app's own crypto: the numbers are decrypted one by one (the
field reads back plaintext) and only the keyed index of their suffix is written."""

from django.db import migrations, models

from kazan.customers.phones import phone_suffix_index_for

BATCH = 1000


def backfill(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    pending = Customer.objects.filter(erased_at__isnull=True, phone_suffix_index__isnull=True)
    changed = []
    for customer in pending.only("pk", "phone_e164").iterator(chunk_size=BATCH):
        index = phone_suffix_index_for(customer.phone_e164)
        if index:
            customer.phone_suffix_index = index
            changed.append(customer)
        if len(changed) >= BATCH:
            Customer.objects.bulk_update(changed, ["phone_suffix_index"])
            changed = []
    if changed:
        Customer.objects.bulk_update(changed, ["phone_suffix_index"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_seed_sms_marketing_wording"),
        ("tenancy", "0003_business_allowed_countries_business_greeting_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="phone_suffix_index",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["business", "phone_suffix_index"], name="customer_phone_suffix_idx"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
