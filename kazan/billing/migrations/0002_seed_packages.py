"""The SMS package catalog's first tiers. Staff change prices and add tiers in the admin."""

from django.db import migrations

PACKAGES = [
    {
        "key": "starter",
        "name": "Starter",
        "sms_per_month": 200,
        "price_minor": 900,
        "sort_order": 10,
    },
    {
        "key": "business",
        "name": "Business",
        "sms_per_month": 1000,
        "price_minor": 2900,
        "sort_order": 20,
    },
    {"key": "pro", "name": "Pro", "sms_per_month": 5000, "price_minor": 9900, "sort_order": 30},
]


def seed(apps, schema_editor):
    SmsPackage = apps.get_model("billing", "SmsPackage")
    for package in PACKAGES:
        SmsPackage.objects.get_or_create(
            key=package["key"], defaults={**package, "currency": "EUR", "active": True}
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
