"""Channel installations as pages and the outbox read them; always scoped to a business, except
the inbound routing lookup, which is how a webhook finds the business in the first place, and
the look-up by id the outbox's registry makes for a message that names its installation."""

import json
import time
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction

from kazan.channels.models import ChannelInstallation, ChatBlock, MemberChat
from kazan.core.crypto import blind_index, decrypt, encrypt
from kazan.core.errors import NotFound
from kazan.customers.identities import external_id_normalize, identity_index_for

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def address_index(address: str) -> str:
    """Blind index of the address customers write to (an SMS number, a bot id)."""
    return blind_index(address, scope="channels.address") if address else ""


def installations_list(*, business: "Business") -> list[ChannelInstallation]:
    return list(ChannelInstallation.objects.filter(business=business))


def installations_connected_count(business: "Business") -> int:
    """The business's connected numbers and bots: what its plan's channel limit counts."""
    return ChannelInstallation.objects.filter(
        business=business, status=ChannelInstallation.Status.ACTIVE
    ).count()


def installation_get(*, business: "Business", installation_id: int) -> ChannelInstallation:
    installation = ChannelInstallation.objects.filter(business=business, pk=installation_id).first()
    if installation is None:
        raise NotFound()
    return installation


def installation_active(*, business: "Business", channel: str) -> ChannelInstallation | None:
    """The business's connected installation of `channel`; None: the platform default."""
    return (
        ChannelInstallation.objects.filter(
            business=business, channel=channel, status=ChannelInstallation.Status.ACTIVE
        )
        .order_by("-created_at", "-id")
        .first()
    )


# The webhook's routing look-up is cached by the address's blind index (no address in clear),
# including "no installation" (the platform's shared number): for a few seconds in the process
# (no round trip at all), then in the shared cache. Connecting, disconnecting and deleting an
# installation forget the shared entry and this process's; another process's copy lives at most
# LOCAL_SECONDS, and a webhook whose signature fails against a cached token is checked again
# against the table (`fresh`), so a new or changed token is never refused. The secrets stay
# encrypted in both caches as they are in the table.
ADDRESS_CACHE_SECONDS = 300
LOCAL_SECONDS = 10.0
# Entries this process keeps at most: misses are cached too, and a webhook's "To" is chosen by
# whoever posts it (before its signature is checked), so the map must not grow without bound.
LOCAL_MAX = 1000
_local: dict[str, tuple[float, object]] = {}
_NONE = "-"
# The same encryption context as the table's column (kazan.core.fields.EncryptedTextField).
CREDENTIALS_CONTEXT = "channels.channelinstallation.credentials"


def _address_key(provider: str, index: str) -> str:
    return f"channels:address:{provider}:{index}"


def installation_address_forget(*, provider: str, index: str) -> None:
    """Drops the cached routing of `index` now and again after the commit (a request between
    the two could have cached the old state)."""
    if not index:
        return
    key = _address_key(provider, index)

    def forget() -> None:
        _local.pop(key, None)
        cache.delete(key)

    forget()
    transaction.on_commit(forget)


def installation_address_cache_clear() -> None:
    """Empties this process's copy (tests start from nothing, like the shared cache)."""
    _local.clear()


def unscoped_installation_for_address(
    *, provider: str, address: str, fresh: bool = False
) -> ChannelInstallation | None:
    """Inbound routing: the active installation customers reach at `address` (its id,
    business id, channel and credentials; the business itself is not loaded). `fresh` reads
    the table, not the caches."""
    if not address:
        return None
    index = address_index(address)
    key = _address_key(provider, index)
    now = time.monotonic()
    cached: Any = None
    if not fresh:
        expires, cached = _local.get(key, (0.0, None))
        if expires < now:
            cached = cache.get(key)
            if cached is not None:
                _local_put(key, cached, now)
    if cached == _NONE:
        return None
    if cached is not None:
        pk, business_id, channel, secret = cached
        found = ChannelInstallation(
            pk=pk,
            business_id=business_id,
            channel=channel,
            provider=provider,
            address_index=index,
            status=ChannelInstallation.Status.ACTIVE,
            credentials=decrypt(secret, context=CREDENTIALS_CONTEXT) if secret else "",
        )
        found._state.adding = False
        return found
    installation = ChannelInstallation.objects.filter(
        provider=provider, address_index=index, status=ChannelInstallation.Status.ACTIVE
    ).first()
    value: object = _NONE
    if installation is not None:
        secret = (
            encrypt(installation.credentials, context=CREDENTIALS_CONTEXT)
            if installation.credentials
            else ""
        )
        value = (installation.pk, installation.business_id, installation.channel, secret)
    cache.set(key, value, ADDRESS_CACHE_SECONDS)
    _local_put(key, value, now)
    return installation


def unscoped_installation_for_hook(*, provider: str, hook_key: str) -> ChannelInstallation | None:
    """Inbound routing by an installation's own callback URL (`config["hook_key"]`, made on
    connecting): the active installation it names. The key only routes; the caller checks the
    request's signature with the installation's secret."""
    if not hook_key:
        return None
    return ChannelInstallation.objects.filter(
        provider=provider, status=ChannelInstallation.Status.ACTIVE, config__hook_key=hook_key
    ).first()


def _local_put(key: str, value: object, now: float) -> None:
    if len(_local) >= LOCAL_MAX:
        for stale in [k for k, (expires, _value) in _local.items() if expires < now]:
            del _local[stale]
        if len(_local) >= LOCAL_MAX:
            _local.clear()
    _local[key] = (now + LOCAL_SECONDS, value)


def unscoped_installation_by_id(installation_id: int) -> ChannelInstallation | None:
    """Any business's installation by id: the outbox routes a message it already names."""
    return ChannelInstallation.objects.filter(pk=installation_id).first()


def installation_credentials(installation: ChannelInstallation) -> dict[str, str]:
    if not installation.credentials:
        return {}
    credentials: dict[str, str] = json.loads(installation.credentials)
    return credentials


def unscoped_installation_credentials(installation_id: int) -> dict[str, str]:
    """The secrets of an installation by id, for its plugin's sender ({} when it is gone)."""
    installation = unscoped_installation_by_id(installation_id)
    return installation_credentials(installation) if installation is not None else {}


# --- team members' chats and blocked bots (Telegram) ----------------------------------------------


def member_chat_index(chat_id: str) -> str:
    """Blind index of a team member's chat id (MemberChat.external_index)."""
    return blind_index(chat_id, scope="channels.member_chat")


def member_chats(*, business: "Business", channel: str = "telegram") -> list[tuple[int, str]]:
    """(user id, chat id) of every team member who linked their own chat with the business's
    bot and still belongs to the business: where test broadcasts and operator notices go."""
    rows = (
        MemberChat.objects.filter(
            business=business,
            channel=channel,
            user__memberships__business=business,
            user__is_active=True,
        )
        .distinct()
        .order_by("user_id")
    )
    return [(row.user_id, row.external_id) for row in rows]


# The admins' roles (tenancy's Role.OWNER and Role.MANAGER; its models are not ours to import).
ADMIN_ROLES = ("owner", "manager")


def admin_chats(*, business: "Business", channel: str = "telegram") -> list[tuple[int, str]]:
    """member_chats of the business's owners and managers only: where a test-mode broadcast
    goes (seed 004 §3.4.4, "admin-only"), never an operator's or agent's chat."""
    rows = (
        MemberChat.objects.filter(
            business=business,
            channel=channel,
            user__memberships__business=business,
            user__memberships__role__in=ADMIN_ROLES,
            user__is_active=True,
        )
        .distinct()
        .order_by("user_id")
    )
    return [(row.user_id, row.external_id) for row in rows]


def member_chat_for(*, business: "Business", user: Any, channel: str = "telegram") -> str | None:
    """The chat id of `user`'s own chat with the business's bot; None when not linked."""
    row = MemberChat.objects.filter(business=business, user=user, channel=channel).first()
    return row.external_id if row is not None else None


def chat_blocked(*, business: "Business", channel: str, handle: str) -> bool:
    """Whether the person behind `handle` blocked the business's bot (my_chat_member)."""

    index = identity_index_for(channel, external_id_normalize(handle))
    return ChatBlock.objects.filter(
        business=business, channel=channel, external_index=index
    ).exists()


def chat_blocked_indexes(*, business: "Business", channel: str = "telegram") -> set[str]:
    """The identity indexes (customers' ChannelIdentity.external_index) of the people who
    blocked the bot: one query for a broadcast's audience."""

    return set(
        ChatBlock.objects.filter(business=business, channel=channel).values_list(
            "external_index", flat=True
        )
    )
