"""Extra panels on the customer detail page, contributed by other apps (the conversation history,
vouchers, orders…) without the customers app knowing them. Register in AppConfig.ready():

    customer_panel_register(CustomerPanel("messages", "messaging/customer_panel.html", context))

`context(request, customer)` returns the template's context; it must scope its reads to
request.business and may check request.membership.can(...) to hide the panel (return None).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CustomerPanel:
    name: str
    template: str
    context: Callable[[Any, Any], dict | None]
    order: int = 100


_panels: dict[str, CustomerPanel] = {}


def customer_panel_register(panel: CustomerPanel) -> None:
    _panels[panel.name] = panel


def customer_panels() -> list[CustomerPanel]:
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel.name))
