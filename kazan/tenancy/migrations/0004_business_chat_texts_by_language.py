"""Greeting and thank-you text become one text per language: an existing text is kept as the
text of the business's own language (the language it was written for)."""

from django.db import migrations, models

import kazan.tenancy.models


def to_languages(apps, schema_editor):
    Business = apps.get_model("tenancy", "Business")
    for business in Business.objects.exclude(greeting="", thank_you_text="").iterator():
        if business.greeting.strip():
            business.greetings = {business.language: business.greeting.strip()}
        if business.thank_you_text.strip():
            business.thank_you_texts = {business.language: business.thank_you_text.strip()}
        business.save(update_fields=["greetings", "thank_you_texts"])


def to_one_text(apps, schema_editor):
    Business = apps.get_model("tenancy", "Business")
    for business in Business.objects.iterator():
        business.greeting = (business.greetings or {}).get(business.language, "")[:300]
        business.thank_you_text = (business.thank_you_texts or {}).get(business.language, "")[:300]
        business.save(update_fields=["greeting", "thank_you_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0003_business_allowed_countries_business_greeting_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="business",
            name="greetings",
            field=models.JSONField(
                blank=True,
                default=dict,
                validators=[kazan.tenancy.models.validate_language_texts],
                verbose_name="greetings",
            ),
        ),
        migrations.AddField(
            model_name="business",
            name="thank_you_texts",
            field=models.JSONField(
                blank=True,
                default=dict,
                validators=[kazan.tenancy.models.validate_language_texts],
                verbose_name="thank-you texts",
            ),
        ),
        migrations.RunPython(to_languages, to_one_text),
        migrations.RemoveField(model_name="business", name="greeting"),
        migrations.RemoveField(model_name="business", name="thank_you_text"),
    ]
