"""Columns and filters of the customer list that apps above customers answer (loyalty: the
average rating, the vouchers given, the review and voucher filters), so the list stays one
query without customers importing them. Register in AppConfig.ready():

    customer_list_extension_register("loyalty", customer_list_extend)

An extension gets the business, the list's queryset and its filters, and returns the queryset
annotated and filtered. Conditions must be correlated subqueries (EXISTS…), never joins, so no
customer appears twice. The list's sorts (queries.CUSTOMER_SORTS) and its template read the
`rating_average` and `vouchers_total` annotations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business


@dataclass(frozen=True)
class CustomerListFilters:
    """The list's filters on other apps' data; None leaves the list unfiltered."""

    # Has a review with at least this many stars.
    min_rating: int | None = None
    # Has any review (True) or none (False).
    reviewed: bool | None = None
    # "open" (holds an unused, unexpired one), "redeemed" (used one), "none" (never got one).
    voucher: str | None = None


type CustomerListExtension = Callable[
    [Business, QuerySet[Customer], CustomerListFilters], QuerySet[Customer]
]

_extensions: dict[str, CustomerListExtension] = {}


def customer_list_extension_register(name: str, extension: CustomerListExtension) -> None:
    """Register (or replace, by name) an extension. Call from AppConfig.ready()."""
    _extensions[name] = extension


def customer_list_extensions() -> list[CustomerListExtension]:
    return [_extensions[name] for name in sorted(_extensions)]
