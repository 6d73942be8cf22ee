"""The plan catalog as seed 002 prices it (Basic €49, Professional €149 a month, Enterprise by
contract) and the VAT rates of the EU and a few neighbours. Staff edit both in the console."""

from decimal import Decimal

from django.db import migrations
from django.utils.translation import gettext_noop

# The descriptions are stored as written here (in English) and shown translated while they are
# unchanged (`{% translate plan.description %}`); a description staff rewrite is shown as written.

# Limits: None is unlimited. Yearly prices are ten months' worth (two months free).
PLANS = [
    {
        "key": "basic",
        "name": "Basic",
        "description": gettext_noop(
            "One WhatsApp number, 1,000 AI messages a month, up to 5 products."
        ),
        "public": True,
        "sort_order": 10,
        "faq_limit": 50,
        "messages_monthly": 2000,
        "ai_messages_monthly": 1000,
        "channels_limit": 1,
        "products_limit": 5,
        "team_members_limit": 2,
        "analytics_days": 30,
        "api_access": False,
        "white_label": False,
        "prices": {"month": 4900, "year": 49000},
    },
    {
        "key": "professional",
        "name": "Professional",
        "description": gettext_noop(
            "Up to 3 numbers, 5,000 AI messages a month, 100 products, API access."
        ),
        "public": True,
        "sort_order": 20,
        "faq_limit": 500,
        "messages_monthly": 20000,
        "ai_messages_monthly": 5000,
        "channels_limit": 3,
        "products_limit": 100,
        "team_members_limit": 10,
        "analytics_days": 365,
        "api_access": True,
        "white_label": False,
        "prices": {"month": 14900, "year": 149000},
    },
    {
        "key": "enterprise",
        "name": "Enterprise",
        "description": gettext_noop(
            "Unlimited numbers and products, custom AI volume, white label."
        ),
        "public": False,
        "sort_order": 30,
        "faq_limit": None,
        "messages_monthly": None,
        "ai_messages_monthly": 50000,
        "channels_limit": None,
        "products_limit": None,
        "team_members_limit": None,
        "analytics_days": None,
        "api_access": True,
        "white_label": True,
        "prices": {},
    },
]

# Standard rates in percent (2026); staff keep them current.
TAX_RATES = {
    "AT": "20", "BE": "21", "BG": "20", "CY": "19", "CZ": "21", "DE": "19", "DK": "25",
    "EE": "24", "ES": "21", "FI": "25.5", "FR": "20", "GR": "24", "HR": "25", "HU": "27",
    "IE": "23", "IT": "22", "LT": "21", "LU": "17", "LV": "21", "MT": "18", "NL": "21",
    "PL": "23", "PT": "23", "RO": "21", "SE": "25", "SI": "22", "SK": "23",
    "GB": "20", "CH": "8.1", "NO": "25", "TR": "20", "IN": "18",
}  # fmt: skip


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    PlanPrice = apps.get_model("billing", "PlanPrice")
    TaxRate = apps.get_model("billing", "TaxRate")
    for spec in PLANS:
        fields = {key: value for key, value in spec.items() if key not in ("key", "prices")}
        plan, _created = Plan.objects.get_or_create(key=spec["key"], defaults=fields)
        for interval, amount in spec["prices"].items():
            PlanPrice.objects.get_or_create(
                plan=plan,
                interval=interval,
                currency="EUR",
                defaults={"amount_minor": amount, "active": True},
            )
    for country, rate in TAX_RATES.items():
        TaxRate.objects.get_or_create(country=country, defaults={"rate": Decimal(rate)})


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_plans_invoices")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
