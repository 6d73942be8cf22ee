"""A customer registers (seed 002: "registered?"): on a secure-link page they give their name,
email, shipping address and language, agree to the processing of their data and may agree to
offers on the channel they came from. Also the corrections they make to that data later on the
"my data" page. Each runs in one transaction; activity holds ids and field names only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.core.errors import ValidationFailed
from kazan.customers.addresses import (
    AddressInvalid,
    address_normalize,
    address_to_text,
    customer_address,
)
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.models import CONSENT_CHANNEL_LABELS, ConsentRecord, Customer
from kazan.customers.normalize import SUPPORTED_LANGUAGES, language_normalize, name_normalize
from kazan.customers.services.consent import consent_grant, consent_wording_for_text
from kazan.customers.services.customers import customer_update
from kazan.customers.services.guards import customer_locked, in_business

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

# Where the consent was given: our own web page that the link opened.
CONSENT_CHANNEL = "web"


def marketing_purpose_for(channel: str) -> str | None:
    """The marketing purpose of a channel ("whatsapp" → "whatsapp_marketing"), None if none."""
    purpose = f"{channel}_marketing"
    return purpose if purpose in ConsentRecord.Purpose.values else None


def marketing_channel_label(channel: str) -> str:
    """How the consent ledger names a channel ("WhatsApp", "SMS")."""
    return str(CONSENT_CHANNEL_LABELS.get(channel, channel))


def _profile_write(
    *,
    business: Business,
    customer: Customer,
    name: str,
    email: str,
    address: dict[str, Any],
    language: str,
    address_required: bool,
) -> tuple[Customer, list[str]]:
    """Name, email and language through customer_update (normalized, blind index, duplicate
    check), then the encrypted address. Returns the locked row and the changed field names."""
    name = name_normalize(name)
    if not name:
        raise ValidationFailed(_("Please enter your name."), code=CustomersErrorCode.INVALID_NAME)
    language = language_normalize(language, strict=True)
    try:
        clean_address = address_normalize(address, required=address_required)
    except AddressInvalid as invalid:
        raise ValidationFailed(
            _("Please check the address."), code=CustomersErrorCode.INVALID_ADDRESS
        ) from invalid
    current = customer_locked(business, customer)
    before = {"name": current.name, "email": current.email, "language": current.language}
    customer_update(
        business=business,
        customer=current,
        actor=None,
        actor_kind="customer",
        name=name,
        language=language,
        tags=list(current.tags.values_list("name", flat=True)),
        email=email,
    )
    changed = [field for field, value in before.items() if getattr(current, field) != value]
    if customer_address(current) != clean_address:
        current.address = address_to_text(clean_address)
        current.save(update_fields=["address"])
        changed.append("address")
    return current, changed


def _refresh(customer: Customer, current: Customer) -> Customer:
    for field in ("name", "email", "email_index", "language", "address", "registered_at"):
        setattr(customer, field, getattr(current, field))
    return customer


def customer_register(
    *,
    business: Business,
    customer: Customer,
    name: str,
    email: str,
    address: dict[str, Any],
    language: str,
    data_processing_consent: bool,
    marketing_consent: bool,
    channel: str,
    data_processing_wording: str,
    marketing_wording: str = "",
    wording_language: str = "",
    ip: str = "",
    user_agent: str = "",
) -> Customer:
    """Save the registration form and record the consents with the exact texts shown
    (`*_wording`, in `wording_language`: the page's language, else `language`). The
    data-processing consent is required; the marketing one is for `channel`'s marketing purpose
    and only recorded when ticked. Sets registered_at (kept from a first registration). Raises
    ValidationFailed (a code per problem) and leaves nothing half-saved."""
    in_business(business, customer)
    if not data_processing_consent:
        raise ValidationFailed(
            _("Please agree to the processing of your data to register."),
            code=CustomersErrorCode.CONSENT_REQUIRED,
        )
    wording_language = (
        language_normalize(wording_language, strict=False)
        or language_normalize(language, strict=False)
        or business.language
    )
    if wording_language not in SUPPORTED_LANGUAGES:
        wording_language = "en"
    marketing = marketing_purpose_for(channel) if marketing_consent else None
    with transaction.atomic():
        current, _changed = _profile_write(
            business=business,
            customer=customer,
            name=name,
            email=email,
            address=address,
            language=language,
            address_required=True,
        )
        consent_grant(
            business=business,
            customer=current,
            purpose=ConsentRecord.Purpose.DATA_PROCESSING,
            channel=CONSENT_CHANNEL,
            wording=consent_wording_for_text(
                purpose=ConsentRecord.Purpose.DATA_PROCESSING,
                language=wording_language,
                text=data_processing_wording,
            ),
            ip=ip,
            user_agent=user_agent,
            actor_kind="customer",
        )
        if marketing:
            consent_grant(
                business=business,
                customer=current,
                purpose=marketing,
                channel=CONSENT_CHANNEL,
                wording=consent_wording_for_text(
                    purpose=marketing, language=wording_language, text=marketing_wording
                ),
                ip=ip,
                user_agent=user_agent,
                actor_kind="customer",
            )
        if current.registered_at is None:
            current.registered_at = timezone.now()
            current.save(update_fields=["registered_at"])
        activity_record(
            business=business,
            actor=None,
            actor_kind="customer",
            action="customer.self_registered",
            target=current,
            data={"channel": channel, "marketing": bool(marketing)},
        )
    return _refresh(customer, current)


def customer_self_update(
    *,
    business: Business,
    customer: Customer,
    name: str,
    email: str,
    address: dict[str, Any],
    language: str,
) -> Customer:
    """The customer corrects their own data on the "my data" page (GDPR art. 16). A blank
    address removes it. Records which fields changed (never their values)."""
    in_business(business, customer)
    with transaction.atomic():
        current, changed = _profile_write(
            business=business,
            customer=customer,
            name=name,
            email=email,
            address=address,
            language=language,
            address_required=False,
        )
        if changed:
            activity_record(
                business=business,
                actor=None,
                actor_kind="customer",
                action="customer.self_updated",
                target=current,
                data={"fields": sorted(changed)},
            )
    return _refresh(customer, current)
