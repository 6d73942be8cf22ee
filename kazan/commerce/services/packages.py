"""Token packages of seed 004 §8.1 (a number of sites at a regular and a subscriber price in
tokens) and the email-confirmation add-on's prices: the defaults a business starts with and the
team's edits. Prices are whole tokens; an order keeps what it was charged, so an edit changes
only the orders placed after it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import CommerceSettings, Package
from kazan.core.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.tenancy.models import Business

# Seed 004 §8.1, exactly: (sites, regular price, subscriber price). 1200 sites costs what
# 1000 do and 1500 sites costs 1550 tokens: the seed's table says so.
DEFAULT_PACKAGES: tuple[tuple[int, int, int], ...] = (
    (100, 100, 60),
    (250, 250, 150),
    (550, 550, 350),
    (650, 650, 450),
    (850, 850, 650),
    (1000, 1000, 750),
    (1200, 1000, 750),
    (1350, 1350, 1150),
    (1500, 1550, 1250),
)
TOKENS_MAX = 1_000_000
SITES_MAX = 1_000_000
NAME_MAX = 80


def packages_ensure_defaults(*, business: Business) -> None:
    """Gives a business without any package (active or not) the seed's table, once: a
    business that edited or removed its packages keeps its own."""
    with transaction.atomic():
        if Package.objects.filter(business=business).exists():
            return
        try:
            with transaction.atomic():
                Package.objects.bulk_create(
                    [
                        Package(
                            business=business,
                            name=f"{sites} sites",
                            sites=sites,
                            price_tokens=regular,
                            subscriber_price_tokens=subscriber,
                            position=index,
                        )
                        for index, (sites, regular, subscriber) in enumerate(DEFAULT_PACKAGES)
                    ]
                )
        except IntegrityError:  # a concurrent call created them first
            return


def _clean(
    *, name: str, sites: int, price_tokens: int, subscriber_price_tokens: int
) -> tuple[str, int, int, int]:
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed(
            _("Give the package a name of at most %(n)d characters.") % {"n": NAME_MAX},
            code=CommerceErrorCode.INVALID_PACKAGE,
        )
    if not 1 <= sites <= SITES_MAX:
        raise ValidationFailed(
            _("The number of sites must be between 1 and %(n)s.") % {"n": SITES_MAX},
            code=CommerceErrorCode.INVALID_PACKAGE,
        )
    for price in (price_tokens, subscriber_price_tokens):
        if not 1 <= price <= TOKENS_MAX:
            raise ValidationFailed(
                _("A price must be between 1 and %(n)s tokens.") % {"n": TOKENS_MAX},
                code=CommerceErrorCode.INVALID_PACKAGE,
            )
    if subscriber_price_tokens > price_tokens:
        raise ValidationFailed(
            _("The subscriber price cannot be higher than the regular price."),
            code=CommerceErrorCode.INVALID_PACKAGE,
        )
    return name, sites, price_tokens, subscriber_price_tokens


def _name_taken() -> ValidationFailed:
    return ValidationFailed(
        _("Another package already has this name."), code=CommerceErrorCode.INVALID_PACKAGE
    )


def package_create(
    *,
    business: Business,
    name: str,
    sites: int,
    price_tokens: int,
    subscriber_price_tokens: int,
    actor: User | None,
) -> Package:
    """A new package, after the others in the list."""
    name, sites, price_tokens, subscriber_price_tokens = _clean(
        name=name,
        sites=sites,
        price_tokens=price_tokens,
        subscriber_price_tokens=subscriber_price_tokens,
    )
    with transaction.atomic():
        last = Package.objects.filter(business=business).order_by("-position").first()
        try:
            with transaction.atomic():
                package = Package.objects.create(
                    business=business,
                    name=name,
                    sites=sites,
                    price_tokens=price_tokens,
                    subscriber_price_tokens=subscriber_price_tokens,
                    position=(last.position + 1) if last else 0,
                )
        except IntegrityError:
            raise _name_taken() from None
        activity_record(
            business=business,
            actor=actor,
            action="commerce.package_created",
            target=package,
            data={"tokens": price_tokens, "subscriber_tokens": subscriber_price_tokens},
        )
    return package


def package_update(
    *,
    business: Business,
    package: Package,
    name: str,
    sites: int,
    price_tokens: int,
    subscriber_price_tokens: int,
    active: bool,
    actor: User | None,
) -> Package:
    """Changes a package's name, size, prices or whether customers can choose it."""
    if package.business_id != business.pk:
        raise NotFound()
    name, sites, price_tokens, subscriber_price_tokens = _clean(
        name=name,
        sites=sites,
        price_tokens=price_tokens,
        subscriber_price_tokens=subscriber_price_tokens,
    )
    with transaction.atomic():
        package.name, package.sites, package.active = name, sites, active
        package.price_tokens, package.subscriber_price_tokens = (
            price_tokens,
            subscriber_price_tokens,
        )
        try:
            with transaction.atomic():
                package.save(
                    update_fields=[
                        "name",
                        "sites",
                        "price_tokens",
                        "subscriber_price_tokens",
                        "active",
                    ]
                )
        except IntegrityError:
            raise _name_taken() from None
        activity_record(
            business=business,
            actor=actor,
            action="commerce.package_updated",
            target=package,
            data={
                "tokens": price_tokens,
                "subscriber_tokens": subscriber_price_tokens,
                "active": active,
            },
        )
    return package


def package_deactivate(*, business: Business, package: Package, actor: User | None) -> Package:
    """Customers can no longer choose the package; its orders keep pointing at it."""
    if package.business_id != business.pk:
        raise NotFound()
    with transaction.atomic():
        Package.objects.filter(business=business, pk=package.pk).update(active=False)
        package.active = False
        activity_record(
            business=business, actor=actor, action="commerce.package_deactivated", target=package
        )
    return package


def addon_prices_set(
    *,
    business: Business,
    email_addon_tokens: int,
    email_addon_subscriber_tokens: int,
    actor: User | None,
) -> CommerceSettings:
    """The email-confirmation add-on's regular and subscriber prices (seed 004: 50 / 30)."""
    for price in (email_addon_tokens, email_addon_subscriber_tokens):
        if not 0 <= price <= TOKENS_MAX:
            raise ValidationFailed(
                _("A price must be between 0 and %(n)s tokens.") % {"n": TOKENS_MAX},
                code=CommerceErrorCode.INVALID_PACKAGE,
            )
    if email_addon_subscriber_tokens > email_addon_tokens:
        raise ValidationFailed(
            _("The subscriber price cannot be higher than the regular price."),
            code=CommerceErrorCode.INVALID_PACKAGE,
        )
    with transaction.atomic():
        settings, _created = CommerceSettings.objects.get_or_create(business=business)
        settings.email_addon_tokens = email_addon_tokens
        settings.email_addon_subscriber_tokens = email_addon_subscriber_tokens
        settings.save(
            update_fields=["email_addon_tokens", "email_addon_subscriber_tokens", "updated_at"]
        )
        activity_record(
            business=business,
            actor=actor,
            action="commerce.addon_prices_changed",
            data={"tokens": email_addon_tokens, "subscriber_tokens": email_addon_subscriber_tokens},
        )
    return settings
