"""The consent ledger: grants and withdrawals are appended, never changed, each with the
wording the person saw and the evidence of where it happened."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import Actor
from kazan.activity.services import activity_record
from kazan.core.db import insert_or_fetch
from kazan.core.errors import ValidationFailed
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.models import ConsentRecord, ConsentWording, Customer
from kazan.customers.normalize import SUPPORTED_LANGUAGES
from kazan.customers.queries import purpose_valid
from kazan.customers.services.guards import (
    actor_kind_or,
    channel_valid,
    customer_locked,
    in_business,
    ip_valid,
    not_erased,
    user_agent_clean,
)

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def _consent_append(
    *,
    business: Business,
    customer: Customer,
    purpose: str,
    granted: bool,
    channel: str,
    wording: ConsentWording | None,
    ip: str,
    user_agent: str,
    actor: Actor,
    actor_kind: str | None,
) -> ConsentRecord:
    in_business(business, customer)
    not_erased(customer)
    purpose_valid(purpose)
    channel = channel_valid(channel)
    ip = ip_valid(ip)
    user_agent = user_agent_clean(user_agent)
    with transaction.atomic():
        customer_locked(business, customer)
        record = ConsentRecord.objects.create(
            business=business,
            customer=customer,
            purpose=purpose,
            granted=granted,
            channel=channel,
            wording=wording,
            ip_address=ip,
            user_agent=user_agent,
            occurred_at=timezone.now(),
        )
        data = {"purpose": purpose, "channel": channel, "record": record.pk}
        if wording is not None:
            data["wording"] = f"{wording.version}/{wording.language}"
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind_or(actor, actor_kind, "customer"),
            action="consent.granted" if granted else "consent.withdrawn",
            target=customer,
            data=data,
        )
    return record


def consent_grant(
    *,
    business: Business,
    customer: Customer,
    purpose: str,
    channel: str,
    wording: ConsentWording,
    ip: str = "",
    user_agent: str = "",
    actor: Actor = None,
    actor_kind: str | None = None,
) -> ConsentRecord:
    """Append a grant to the ledger, pointing at the exact wording the person saw.

    A grant without its wording, or with a wording of another purpose, is refused: consent to
    an unknown text proves nothing. `ip`/`user_agent` are evidence and are encrypted/cleared on
    erasure; without an actor the customer is recorded as having acted.
    """
    if not isinstance(wording, ConsentWording) or wording.pk is None:
        raise ValidationFailed(
            _("A consent needs the wording the person agreed to."),
            code=CustomersErrorCode.INVALID_WORDING,
        )
    if wording.purpose != purpose:
        raise ValidationFailed(
            _("This consent wording is for another purpose."),
            code=CustomersErrorCode.INVALID_WORDING,
        )
    return _consent_append(
        business=business,
        customer=customer,
        purpose=purpose,
        granted=True,
        channel=channel,
        wording=wording,
        ip=ip,
        user_agent=user_agent,
        actor=actor,
        actor_kind=actor_kind,
    )


def consent_withdraw(
    *,
    business: Business,
    customer: Customer,
    purpose: str,
    channel: str,
    ip: str = "",
    user_agent: str = "",
    actor: Actor = None,
    actor_kind: str | None = None,
) -> ConsentRecord:
    """Append a withdrawal (a STOP reply, an unsubscribe link, a request at the counter).

    Recorded even when nothing was granted: the request itself is evidence worth keeping.
    """
    return _consent_append(
        business=business,
        customer=customer,
        purpose=purpose,
        granted=False,
        channel=channel,
        wording=None,
        ip=ip,
        user_agent=user_agent,
        actor=actor,
        actor_kind=actor_kind,
    )


# A business's own consent text (a contact form's box) is versioned by its content.
_TEXT_VERSION_PREFIX = "t-"
CONSENT_TEXT_MAX = 2000


def consent_wording_for_text(*, purpose: str, language: str, text: str) -> ConsentWording:
    """The ledger's wording row for exactly `text` (a text a business wrote and showed), made on
    first use: its version is a digest of the text, so the same text is one row and an edited
    text is a new one, and the ledger keeps pointing at what each person saw."""
    purpose_valid(purpose)
    text = (text or "").strip()
    if not text or len(text) > CONSENT_TEXT_MAX or language not in SUPPORTED_LANGUAGES:
        raise ValidationFailed(
            _("A consent needs the wording the person agreed to."),
            code=CustomersErrorCode.INVALID_WORDING,
        )
    version = _TEXT_VERSION_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:18]

    def fetch() -> ConsentWording | None:
        return ConsentWording.objects.filter(
            purpose=purpose, version=version, language=language
        ).first()

    found = fetch()
    if found is not None:
        return found
    wording, _inserted = insert_or_fetch(
        lambda: ConsentWording.objects.create(
            purpose=purpose, version=version, language=language, text=text
        ),
        fetch,
    )
    return wording
