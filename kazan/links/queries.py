"""Reads of secure links: what a customer's data export shows (never a token, never a hash)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from kazan.core.errors import NotFound
from kazan.links.models import SecureLink

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business


def secure_links_for_customer(
    *, business: Business, customer: Customer, limit: int = 10
) -> list[SecureLink]:
    """The customer's newest links, for the team's panel on the customer page."""
    return list(
        SecureLink.objects.filter(business=business, customer=customer).order_by(
            "-created_at", "-pk"
        )[:limit]
    )


def secure_link_get(*, business: Business, link_id: int) -> SecureLink:
    """One link of the business; NotFound for another business's or an unknown one."""
    link = SecureLink.objects.filter(business=business, pk=link_id).first()
    if link is None:
        raise NotFound(_("This link does not exist."))
    return link


def secure_links_export(business: Business, customer: Customer) -> list[dict[str, Any]]:
    """The GDPR export's "secure_links" section: which links were sent, for what, and when."""

    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return [
        {
            "purpose": link.purpose,
            "target_id": link.target_id,
            "channel": link.channel,
            "created_at": iso(link.created_at),
            "expires_at": iso(link.expires_at),
            "used_at": iso(link.used_at),
            "revoked_at": iso(link.revoked_at),
        }
        for link in SecureLink.objects.filter(business=business, customer=customer).order_by(
            "created_at", "pk"
        )
    ]
