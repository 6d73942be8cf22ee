"""The flow editor's reads, always scoped to a business."""

from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch

from kazan.conversations.flowstore import ANY_CHANNEL, flow_default_ensure
from kazan.conversations.models import Flow, FlowBinding
from kazan.core.errors import NotFound

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def flows_list(*, business: "Business") -> list[Flow]:
    """The business's flows with their current version and bindings (the default review funnel
    is seeded on first view, so a new business sees what its bot does)."""
    flow_default_ensure(business=business)
    return list(
        Flow.objects.filter(business=business)
        .select_related("current_version")
        .prefetch_related(
            Prefetch("bindings", queryset=FlowBinding.objects.filter(business=business))
        )
    )


def bindings_by_channel(*, business: "Business") -> dict[str, FlowBinding]:
    return {
        binding.channel: binding
        for binding in FlowBinding.objects.filter(business=business).select_related("flow")
    }


def flow_get(*, business: "Business", flow_id: object) -> Flow:
    """The business's flow, or NotFound (also for another business's id)."""
    try:
        pk = int(str(flow_id))
    except (TypeError, ValueError):
        raise NotFound() from None
    flow = (
        Flow.objects.filter(business=business, pk=pk, current_version__isnull=False)
        .select_related("current_version")
        .first()
    )
    if flow is None:
        raise NotFound()
    return flow


def flow_channels(*, flow: Flow) -> list[str]:
    """The channels this flow answers ("*" = every channel without its own binding)."""
    return sorted(
        FlowBinding.objects.filter(business_id=flow.business_id, flow=flow).values_list(
            "channel", flat=True
        ),
        key=lambda channel: channel != ANY_CHANNEL,
    )


def flow_definition(flow: Flow) -> dict[str, Any]:
    """The definition of the flow's current version (flow_get finds only flows that have one)."""
    if flow.current_version is None:
        raise NotFound()
    definition: dict[str, Any] = flow.current_version.definition
    return definition
