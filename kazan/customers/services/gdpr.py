"""Data-subject requests (GDPR art. 15, 17, 20): everything Kazan holds about a customer as
JSON, and its erasure, across every app that registered a section in kazan.core.gdpr."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import Actor
from kazan.activity.services import activity_record
from kazan.core.errors import Conflict, NotFound
from kazan.core.gdpr import gdpr_sections
from kazan.customers.addresses import customer_address
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.models import ChannelIdentity, ConsentRecord, Customer
from kazan.customers.queries import consent_is_granted
from kazan.customers.services.consent import consent_withdraw
from kazan.customers.services.guards import actor_kind_or, in_business, not_erased

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

EXPORT_FORMAT = "kazan.customer-export/1"
ERASURE_CHANNEL = "erasure"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def customer_export(
    *, business: Business, customer: Customer, actor: Actor, actor_kind: str | None = None
) -> dict[str, Any]:
    """Everything Kazan holds about the customer (GDPR art. 15/20), as JSON-ready data.

    Includes the decrypted phone and email, the consent history with the wording texts, and
    every section registered in kazan.core.gdpr under its name. The export itself is
    recorded as activity (who exported, not what).
    """
    in_business(business, customer)
    with transaction.atomic():
        current = Customer.objects.filter(business=business, pk=customer.pk).first()
        if current is None:
            raise NotFound(_("This customer does not exist."))
        not_erased(current)
        consents = ConsentRecord.objects.filter(business=business, customer=current)
        data: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "exported_at": timezone.now().isoformat(),
            "business": {"name": business.name, "address": business.address},
            "profile": {
                "id": current.pk,
                "name": current.name,
                "phone": current.phone_e164,
                "email": current.email,
                "language": current.language,
                "address": customer_address(current),
                "registered_at": _iso(current.registered_at),
                "tags": list(current.tags.order_by("name").values_list("name", flat=True)),
                "first_interaction_at": _iso(current.first_interaction_at),
                "last_interaction_at": _iso(current.last_interaction_at),
                "phone_verified_at": _iso(current.phone_verified_at),
                "created_at": _iso(current.created_at),
            },
            "identities": [
                {
                    "channel": identity.channel,
                    "external_id": identity.external_id,
                    "created_at": _iso(identity.created_at),
                }
                for identity in ChannelIdentity.objects.filter(
                    business=business, customer=current
                ).order_by("created_at", "pk")
            ],
            "consents": [
                {
                    "purpose": record.purpose,
                    "granted": record.granted,
                    "channel": record.channel,
                    "occurred_at": _iso(record.occurred_at),
                    "wording": (
                        {
                            "version": record.wording.version,
                            "language": record.wording.language,
                            "text": record.wording.text,
                        }
                        if record.wording
                        else None
                    ),
                    "ip_address": record.ip_address,
                    "user_agent": record.user_agent,
                }
                for record in consents.select_related("wording").order_by("occurred_at", "pk")
            ],
        }
        sections = gdpr_sections()
        for section in sections:
            data[section.name] = section.export(business, current)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="customer.exported",
            target=current,
            data={"sections": [section.name for section in sections]},
        )
    return data


def customer_erase(
    *, business: Business, customer: Customer, actor: Actor, actor_kind: str | None = None
) -> Customer:
    """Erase the customer's personal data (GDPR art. 17), all or nothing.

    Order matters: current consents are withdrawn first (channel "erasure"), so the ledger
    shows that marketing stopped; then every registered section erases its data; then the
    profile is blanked, the blind indexes NULLed (the phone can register again as a new person),
    identities and tag links deleted and the ledger's IPs and user agents cleared. The row stays
    as an anonymous statistic with erased_at set. Erasing twice raises Conflict.
    """
    in_business(business, customer)
    with transaction.atomic():
        current = (
            Customer.objects.select_for_update().filter(business=business, pk=customer.pk).first()
        )
        if current is None:
            raise NotFound(_("This customer does not exist."))
        if current.erased_at is not None:
            raise Conflict(
                _("This customer's data has already been erased."), code=CustomersErrorCode.ERASED
            )
        withdrawn = []
        for purpose in ConsentRecord.Purpose.values:
            if consent_is_granted(business=business, customer=current, purpose=purpose):
                consent_withdraw(
                    business=business,
                    customer=current,
                    purpose=purpose,
                    channel=ERASURE_CHANNEL,
                    actor=actor,
                    actor_kind=actor_kind_or(actor, actor_kind, "system"),
                )
                withdrawn.append(purpose)
        sections = gdpr_sections()
        for section in sections:
            section.erase(business, current)
        ChannelIdentity.objects.filter(business=business, customer=current).delete()
        current.tags.clear()
        ConsentRecord.objects.filter(business=business, customer=current).update(
            ip_address="", user_agent=""
        )
        current.name = ""
        current.phone_e164 = ""
        current.phone_index = None
        current.phone_suffix_index = None
        current.email = ""
        current.email_index = None
        current.address = ""
        current.phone_verified_at = None
        current.erased_at = timezone.now()
        current.save(
            update_fields=[
                "name",
                "phone_e164",
                "phone_index",
                "phone_suffix_index",
                "email",
                "email_index",
                "address",
                "phone_verified_at",
                "erased_at",
            ]
        )
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="customer.erased",
            target=current,
            data={
                "sections": [section.name for section in sections],
                "consents_withdrawn": withdrawn,
            },
        )
    for field in (
        "name",
        "phone_e164",
        "phone_index",
        "phone_suffix_index",
        "email",
        "email_index",
        "address",
    ):
        setattr(customer, field, getattr(current, field))
    customer.phone_verified_at = None
    customer.erased_at = current.erased_at
    return customer
