"""The CRM's use cases: seeding the Telegram CRM flow for a business."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext_lazy

from kazan.crm.commands import restart_keywords
from kazan.crm.flow import CRM_CHANNEL, CRM_FLOW, crm_flow_definition

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def crm_flow_ensure(*, business: Business) -> None:
    """Stores the CRM flow (seed 004's bot: menus, registration, orders, tokens) and binds it to
    Telegram with the bot's commands as restart keywords, unless the business bound a flow of
    its own there already (connecting the bot again never overwrites an edited binding)."""
    from kazan.conversations import flowstore
    from kazan.conversations.editor import queries as editor_queries
    from kazan.conversations.editor import services as editor_services

    if editor_queries.bindings_by_channel(business=business).get(CRM_CHANNEL) is not None:
        return
    with translation.override(None):
        version = flowstore.flow_version_save(
            business=business,
            key=CRM_FLOW,
            name=str(gettext_lazy("Telegram CRM")),
            definition=crm_flow_definition(),
        )
    editor_services.flow_bind(
        business=business,
        flow=version.flow,
        channel=CRM_CHANNEL,
        restart_keywords=restart_keywords(),
        actor=None,  # type: ignore[arg-type]  # seeded by the system, not a member
    )
