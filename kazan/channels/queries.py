"""Channel installations as pages and the outbox read them; always scoped to a business, except
the inbound routing lookup, which is how a webhook finds the business in the first place."""

import json

from kazan.channels.models import ChannelInstallation
from kazan.core.crypto import blind_index
from kazan.core.errors import NotFound


def address_index(address: str) -> str:
    """Blind index of the address customers write to (an SMS number, a bot id)."""
    return blind_index(address, scope="channels.address") if address else ""


def installations_list(*, business) -> list[ChannelInstallation]:
    return list(ChannelInstallation.objects.filter(business=business))


def installation_get(*, business, installation_id: int) -> ChannelInstallation:
    installation = ChannelInstallation.objects.filter(business=business, pk=installation_id).first()
    if installation is None:
        raise NotFound()
    return installation


def installation_active(*, business, channel: str) -> ChannelInstallation | None:
    """The business's connected installation of `channel`; None: the platform default."""
    return (
        ChannelInstallation.objects.filter(
            business=business, channel=channel, status=ChannelInstallation.Status.ACTIVE
        )
        .order_by("-created_at", "-id")
        .first()
    )


def installation_for_address(*, provider: str, address: str) -> ChannelInstallation | None:
    """Inbound routing: the active installation customers reach at `address`."""
    if not address:
        return None
    return (
        ChannelInstallation.objects.filter(
            provider=provider,
            address_index=address_index(address),
            status=ChannelInstallation.Status.ACTIVE,
        )
        .select_related("business")
        .first()
    )


def installation_credentials(installation: ChannelInstallation) -> dict:
    return json.loads(installation.credentials) if installation.credentials else {}
