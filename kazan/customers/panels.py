"""What other apps show on the customer detail page without the customers app knowing them:

- panels (the conversation history, vouchers, orders…), registered in AppConfig.ready():

    customer_panel_register(CustomerPanel("messages", "messaging/customer_panel.html", context))

  `context(request, customer)` returns the template's context; it must scope its reads to
  request.business and may check request.membership.can(...) to hide the panel (return None).

- facts, rows of the profile table under the phone (how many SMS the customer received…):

    customer_fact_register(CustomerFact("sms-received", _("SMS received"), value))

  `value(business, customer)` is what the row shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business


@dataclass(frozen=True)
class CustomerPanel:
    name: str
    template: str
    context: Callable[[Any, Any], dict | None]
    order: int = 100


@dataclass(frozen=True)
class CustomerFact:
    # Also the row's data-stat attribute.
    name: str
    label: str | Promise
    value: Callable[[Business, Customer], int | str]
    order: int = 100


_panels: dict[str, CustomerPanel] = {}
_facts: dict[str, CustomerFact] = {}


def customer_panel_register(panel: CustomerPanel) -> None:
    _panels[panel.name] = panel


def customer_panels() -> list[CustomerPanel]:
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel.name))


def customer_fact_register(fact: CustomerFact) -> None:
    _facts[fact.name] = fact


def customer_facts() -> list[CustomerFact]:
    return sorted(_facts.values(), key=lambda fact: (fact.order, fact.name))
