"""How the customers app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_target, activity_type, choice, field_names
from kazan.customers.models import CONSENT_CHANNEL_LABELS, ConsentRecord, Customer


def customer_names(ids) -> dict[int, str]:
    """Customer id → how the log names them: their name, or "customer #12" when they gave none,
    or "an erased customer" (erasure leaves no name to show). One query; other apps' targets
    that belong to a customer (conversations, reviews, vouchers) use it too."""
    rows = Customer.objects.filter(pk__in=set(ids)).values_list("pk", "name", "erased_at")
    return {
        pk: _("an erased customer")
        if erased
        else name or _("customer #%(number)s") % {"number": pk}
        for pk, name, erased in rows
    }


@activity_target("customers.customer")
def _customers(ids, viewer):
    return customer_names(ids)


CHANNEL = Detail(t("Channel"), choice(CONSENT_CHANNEL_LABELS.items()))
PURPOSE = Detail(t("Purpose"), choice(ConsentRecord.Purpose.choices))
SECTIONS = Detail(t("Sections"))

activity_type(
    "customer.created",
    label=t("New customer"),
    sentence=t("%(target)s became a customer via %(channel)s"),
    details={"channel": CHANNEL},
)
activity_type(
    "customer.updated",
    label=t("Customer details changed"),
    sentence=t("%(actor)s changed the details of %(target)s"),
    details={"fields": Detail(t("Changed"), field_names(Customer))},
)
activity_type(
    "customer.identity_attached",
    label=t("Customer reachable on a new channel"),
    sentence=t("%(target)s can now be reached on %(channel)s"),
    details={"channel": CHANNEL},
)
activity_type(
    "consent.granted",
    label=t("Consent given"),
    sentence=t("%(target)s agreed to %(purpose)s (via %(channel)s)"),
    details={"purpose": PURPOSE, "channel": CHANNEL, "wording": Detail(t("Wording version"))},
)
activity_type(
    "consent.withdrawn",
    label=t("Consent withdrawn"),
    sentence=t("%(target)s withdrew their consent to %(purpose)s (via %(channel)s)"),
    details={"purpose": PURPOSE, "channel": CHANNEL, "wording": Detail(t("Wording version"))},
)
activity_type(
    "customer.exported",
    label=t("Customer data exported"),
    sentence=t("%(actor)s exported the data of %(target)s"),
    details={"sections": SECTIONS},
)
activity_type(
    "customer.erased",
    label=t("Customer erased"),
    sentence=t("%(actor)s erased the personal data of %(target)s"),
    details={"sections": SECTIONS, "consents_withdrawn": Detail(t("Consents withdrawn"))},
)
