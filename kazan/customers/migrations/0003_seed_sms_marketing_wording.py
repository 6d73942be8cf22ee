"""Seeds the first SMS-marketing consent wording in every supported language.

The texts are data, not translations: the ledger points at the exact row a person saw, so a
wording is never edited — a changed text is a new version in a new migration.
"""

from django.db import migrations

PURPOSE = "sms_marketing"
VERSION = "2026-11-v1"
TEXTS = {
    "en": (
        "Yes, I would like to receive offers from this business by SMS. I can withdraw my "
        "consent at any time by replying STOP or using the link in any message."
    ),
    "de": (
        "Ja, ich möchte Angebote dieses Unternehmens per SMS erhalten. Ich kann meine "
        "Einwilligung jederzeit widerrufen, indem ich mit STOP antworte oder den Link in "
        "einer der Nachrichten nutze."
    ),
    "tr": (
        "Evet, bu işletmeden SMS ile kampanya ve fırsat mesajları almak istiyorum. Onayımı "
        "istediğim zaman STOP yazarak yanıtlayarak veya herhangi bir mesajdaki bağlantıyı "
        "kullanarak geri çekebilirim."
    ),
    "it": (
        "Sì, desidero ricevere offerte da questa attività via SMS. Posso revocare il mio "
        "consenso in qualsiasi momento rispondendo STOP o utilizzando il link presente in "
        "ogni messaggio."
    ),
    "es": (
        "Sí, quiero recibir ofertas de este negocio por SMS. Puedo retirar mi consentimiento "
        "en cualquier momento respondiendo STOP o usando el enlace incluido en cualquier "
        "mensaje."
    ),
}


def seed(apps, schema_editor):
    ConsentWording = apps.get_model("customers", "ConsentWording")
    for language, text in TEXTS.items():
        ConsentWording.objects.get_or_create(
            purpose=PURPOSE, version=VERSION, language=language, defaults={"text": text}
        )


def unseed(apps, schema_editor):
    ConsentWording = apps.get_model("customers", "ConsentWording")
    ConsentRecord = apps.get_model("customers", "ConsentRecord")
    # Wordings that the ledger points at must stay (PROTECT); unused ones can go.
    used = ConsentRecord.objects.filter(wording__isnull=False).values("wording_id")
    ConsentWording.objects.filter(purpose=PURPOSE, version=VERSION).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_consent_latest_index")]

    operations = [migrations.RunPython(seed, unseed)]
