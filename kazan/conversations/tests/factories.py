"""Stored flows for tests: saved through flowstore (validated like the editor's) and bound."""

from kazan.conversations import flowstore
from kazan.conversations.models import FlowBinding, FlowVersion


def flow_bound(business, definition: dict, *, channel: str = "*", keywords=()) -> FlowVersion:
    """Saves `definition` as the business's flow `definition["key"]` and binds it to `channel`."""
    version = flowstore.flow_version_save(
        business=business, key=definition["key"], name=definition["key"], definition=definition
    )
    FlowBinding.objects.update_or_create(
        business=business,
        channel=channel,
        defaults={"flow": version.flow, "restart_keywords": list(keywords)},
    )
    return version
