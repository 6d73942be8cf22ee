"""Reads of the website widget, scoped to one business."""

from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from kazan.channels.models import WidgetSettings
from kazan.channels.widget.rules import hours_open, origin_normalize

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def widget_settings_for(*, business: "Business") -> WidgetSettings:
    """The business's widget settings; an unsaved default (disabled) when it has none yet."""
    found = WidgetSettings.objects.filter(business=business).first()
    return found if found is not None else WidgetSettings(business=business)


def widget_origin_allowed(*, widget: WidgetSettings, origin: str) -> bool:
    """Whether the widget may run on `origin`: enabled and listed exactly (after normalising)."""
    normalised = origin_normalize(origin)
    return bool(widget.enabled and normalised and normalised in widget.allowed_origins)


def widget_open_now(
    *, business: "Business", widget: WidgetSettings, now: datetime | None = None
) -> bool:
    """Whether the team answers now, by the widget's weekly hours in the business's time zone."""
    return hours_open(widget.opening_hours, business.timezone, now or timezone.now())
