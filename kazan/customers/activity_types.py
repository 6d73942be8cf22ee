"""How the customers app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import (
    Detail,
    activity_target,
    activity_type,
    choice,
    field_names,
    number,
)
from kazan.customers.models import CONSENT_CHANNEL_LABELS, ConsentRecord, Customer, Tag


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
    "customer.blocked",
    label=t("Customer blocked"),
    sentence=t("%(actor)s blocked %(target)s: their messages are ignored"),
)
activity_type(
    "customer.unblocked",
    label=t("Customer unblocked"),
    sentence=t("%(actor)s unblocked %(target)s"),
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
    "customer.self_registered",
    label=t("Customer registered"),
    sentence=t("%(target)s registered through a secure link"),
    details={"channel": Detail(t("Channel")), "marketing": Detail(t("Offers accepted"))},
)
activity_type(
    "customer.self_updated",
    label=t("Customer corrected their data"),
    sentence=t("%(target)s corrected their data through a secure link"),
    details={"fields": Detail(t("Fields"))},
)
activity_type(
    "customer.erased",
    label=t("Customer erased"),
    sentence=t("%(actor)s erased the personal data of %(target)s"),
    details={"sections": SECTIONS, "consents_withdrawn": Detail(t("Consents withdrawn"))},
)

PROFILE = Detail(t("Profile"))
activity_type(
    "customer.profile_created",
    label=t("Customer profile added"),
    sentence=t("%(target)s got a new customer profile (via %(channel)s)"),
    details={"profile": PROFILE, "channel": CHANNEL},
)
activity_type(
    "customer.profile_updated",
    label=t("Customer profile changed"),
    sentence=t("%(actor)s changed a customer profile of %(target)s"),
    details={"profile": PROFILE, "fields": Detail(t("Changed"))},
)
activity_type(
    "customer.profile_deleted",
    label=t("Customer profile deleted"),
    sentence=t("%(actor)s deleted a customer profile of %(target)s"),
    details={"profile": PROFILE},
)


@activity_target("customers.tag")
def _tags(ids, viewer):
    rows = Tag.objects.filter(pk__in=ids).values_list("pk", "name")
    return {pk: _("the tag “%(name)s”") % {"name": name} for pk, name in rows}


TAG_CUSTOMERS = Detail(t("Customers"), number)
activity_type(
    "tag.created",
    label=t("Tag created"),
    sentence=t("%(actor)s created %(target)s"),
    details={"color": Detail(t("Colour"), choice(Tag.Color.choices))},
)
activity_type(
    "tag.updated",
    label=t("Tag changed"),
    sentence=t("%(actor)s changed %(target)s"),
    details={"fields": Detail(t("Changed"), field_names(Tag))},
)
activity_type(
    "tag.deleted",
    label=t("Tag deleted"),
    sentence=t("%(actor)s deleted the tag “%(name)s”"),
    details={"customers": TAG_CUSTOMERS, "name": Detail(t("Tag"))},
)
activity_type(
    "tag.added",
    label=t("Tag added"),
    sentence=t("%(actor)s put %(target)s on customers"),
    details={"customers": TAG_CUSTOMERS},
)
activity_type(
    "tag.removed",
    label=t("Tag removed"),
    sentence=t("%(actor)s took %(target)s off customers"),
    details={"customers": TAG_CUSTOMERS},
)
