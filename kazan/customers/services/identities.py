"""Channel identities: the WhatsApp number, Telegram user or web visitor behind a message,
seen on every inbound message and attached to a customer once the person is known."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import Actor
from kazan.activity.services import activity_record
from kazan.core.db import insert_or_fetch
from kazan.core.errors import Conflict
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.identities import (
    external_id_normalize,
    identity_channel_valid,
    identity_index_for,
)
from kazan.customers.models import ChannelIdentity, Customer
from kazan.customers.services.guards import (
    actor_kind_or,
    customer_locked,
    in_business,
    not_erased,
)

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def identity_attach(
    *,
    business: Business,
    customer: Customer,
    channel: str,
    external_id: str,
    actor: Actor = None,
    actor_kind: str | None = None,
) -> ChannelIdentity:
    """Link a channel account (WhatsApp, Telegram, web visitor id) to the customer; idempotent.
    An account that wrote before the person was known (no customer yet) becomes theirs.

    Raises Conflict when the account already belongs to another customer of the business:
    merging two people is a decision for a person, not for this function.
    """
    in_business(business, customer)
    not_erased(customer)
    channel = identity_channel_valid(channel)
    external_id = external_id_normalize(external_id)
    index = identity_index_for(channel, external_id)

    def existing() -> ChannelIdentity | None:
        found = (
            ChannelIdentity.objects.select_for_update()
            .filter(business=business, channel=channel, external_index=index)
            .first()
        )
        if found is not None and found.customer_id not in (None, customer.pk):
            raise Conflict(
                _("This account is already linked to another customer."),
                code=CustomersErrorCode.IDENTITY_TAKEN,
            )
        return found

    with transaction.atomic():
        customer_locked(business, customer)
        found = existing()
        if found is not None and found.customer_id == customer.pk:
            return found
        if found is not None:
            identity = found
            identity.customer = customer
            identity.save(update_fields=["customer"])
        else:
            identity, inserted = insert_or_fetch(
                lambda: ChannelIdentity.objects.create(
                    business=business,
                    customer=customer,
                    channel=channel,
                    external_id=external_id,
                    external_index=index,
                ),
                existing,
            )
            if not inserted:
                return identity
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind_or(actor, actor_kind, "customer"),
            action="customer.identity_attached",
            target=customer,
            data={"channel": channel},
        )
        return identity


def identity_touch(*, business: Business, channel: str, external_id: str) -> ChannelIdentity:
    """The person behind a channel handle (found or created, maybe without a customer yet), seen
    now. Called by conversations.services.conversation_receive for every inbound message; an
    identity without a customer is not yet personal data anyone asked for, so no activity."""
    channel = identity_channel_valid(channel)
    external_id = external_id_normalize(external_id)
    index = identity_index_for(channel, external_id)

    def existing() -> ChannelIdentity | None:
        return ChannelIdentity.objects.filter(
            business=business, channel=channel, external_index=index
        ).first()

    with transaction.atomic():
        found = existing()
        if found is None:
            identity, _inserted = insert_or_fetch(
                lambda: ChannelIdentity.objects.create(
                    business=business,
                    channel=channel,
                    external_id=external_id,
                    external_index=index,
                ),
                existing,
            )
        else:
            identity = found
        identity.last_seen_at = timezone.now()
        ChannelIdentity.objects.filter(pk=identity.pk).update(last_seen_at=identity.last_seen_at)
    return identity


def identity_seen(*, business: Business, channel: str, external_id: str) -> bool:
    """Marks the person behind a channel handle seen now, in one statement, if they are known
    (False if not: then `identity_touch` creates them). The hot path of a returning person's
    message: the identity row is locked first, as `identity_touch` does, before the thread."""
    channel = identity_channel_valid(channel)
    index = identity_index_for(channel, external_id_normalize(external_id))
    updated = ChannelIdentity.objects.filter(
        business=business, channel=channel, external_index=index
    ).update(last_seen_at=timezone.now())
    return updated > 0


def identities_unclaimed_delete(*, business: Business | int, ids: Iterable[int]) -> int:
    """Deletes the given identities that no customer claims (a purged anonymous chat's). The
    business may be given by id: the platform-wide purge has only ids."""
    deleted, _detail = ChannelIdentity.objects.filter(
        business=business, pk__in=ids, customer__isnull=True
    ).delete()
    return deleted


def customer_for_identity(
    *, business: Business, channel: str, external_id: str, name: str = "", language: str = ""
) -> Customer:
    """The customer behind a channel account, created on first contact when the channel is the
    person's identity (seed 004 §3.1.2: a Telegram user becomes a customer by their Telegram
    id, with no phone or email yet). The identity row is locked, so two messages at once make
    one customer."""
    from kazan.customers.normalize import language_normalize, name_normalize
    from kazan.customers.services.customers import customer_insert

    channel = identity_channel_valid(channel)
    index = identity_index_for(channel, external_id_normalize(external_id))
    with transaction.atomic():
        # The identity exists first (created if new, race-safe), then its row is the lock that
        # makes two first messages at once one customer.
        identity_touch(business=business, channel=channel, external_id=external_id)
        identity = (
            ChannelIdentity.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(business=business, channel=channel, external_index=index)
        )
        if identity.customer is not None:
            not_erased(identity.customer)
            return identity.customer
        customer, _inserted = customer_insert(
            business=business,
            identity={},
            name=name_normalize(name)[:120],
            language=language_normalize(language, strict=False),
            now=timezone.now(),
            fetch=lambda: None,
            channel=channel,
            actor=None,
            actor_kind="customer",
        )
        identity_attach(
            business=business, customer=customer, channel=channel, external_id=external_id
        )
    return customer
