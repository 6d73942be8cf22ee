"""Analytics' writes: counted events (`events`, `buffer`, `client_events`) and exports
(`exports`, `export_filters`)."""

from kazan.analytics.services.buffer import (
    event_count,
    events_buffered_flush,
    events_buffered_pending,
)
from kazan.analytics.services.client_events import (
    CLIENT_EVENTS_PER_BUSINESS,
    CLIENT_EVENTS_PER_IP,
    client_event_report,
)
from kazan.analytics.services.events import (
    daily_counts_rebuild,
    event_record,
    event_retract,
    events_import,
)
from kazan.analytics.services.export_filters import (
    EXPORT_ACTION_MAX,
    EXPORT_NAME_MAX,
    export_filters_clean,
)
from kazan.analytics.services.exports import (
    EXPORT_PENDING_LIMIT,
    TEAM_EXPORT_FORMATS,
    TEAM_EXPORT_PERMISSION,
    export_can_download,
    export_downloaded,
    export_file_path,
    export_request,
    export_retention_days,
    export_run,
    exports_dir,
    exports_expire,
    team_export_can_download,
    team_export_downloaded,
    team_export_request,
)

__all__ = [
    "CLIENT_EVENTS_PER_BUSINESS",
    "CLIENT_EVENTS_PER_IP",
    "EXPORT_ACTION_MAX",
    "EXPORT_NAME_MAX",
    "EXPORT_PENDING_LIMIT",
    "TEAM_EXPORT_FORMATS",
    "TEAM_EXPORT_PERMISSION",
    "client_event_report",
    "daily_counts_rebuild",
    "event_count",
    "event_record",
    "event_retract",
    "events_buffered_flush",
    "events_buffered_pending",
    "events_import",
    "export_can_download",
    "export_downloaded",
    "export_file_path",
    "export_filters_clean",
    "export_request",
    "export_retention_days",
    "export_run",
    "exports_dir",
    "exports_expire",
    "team_export_can_download",
    "team_export_downloaded",
    "team_export_request",
]
