"""Channel installations as pages and the outbox read them; always scoped to a business, except
the inbound routing lookup, which is how a webhook finds the business in the first place, and
the look-up by id the outbox's registry makes for a message that names its installation."""

import json
from typing import TYPE_CHECKING

from kazan.channels.models import ChannelInstallation
from kazan.core.crypto import blind_index
from kazan.core.errors import NotFound

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def address_index(address: str) -> str:
    """Blind index of the address customers write to (an SMS number, a bot id)."""
    return blind_index(address, scope="channels.address") if address else ""


def installations_list(*, business: "Business") -> list[ChannelInstallation]:
    return list(ChannelInstallation.objects.filter(business=business))


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


def unscoped_installation_for_address(*, provider: str, address: str) -> ChannelInstallation | None:
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
