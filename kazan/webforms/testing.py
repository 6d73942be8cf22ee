"""Test helpers for the contact form: settings saved through the real service, submissions
sent through it (so they are matched, indexed and encrypted like a visitor's)."""

from typing import Any

from kazan.webforms.models import FormSubmission, fields_default
from kazan.webforms.services import form_settings_update, form_submit


def form_configure(business: Any, **overrides: Any) -> Any:
    """Saves the business's form: the defaults, changed by `overrides` (service keywords)."""
    kwargs: dict[str, Any] = {"mode": "built_in", "fields": fields_default()}
    kwargs.update(overrides)
    return form_settings_update(business=business, actor=None, **kwargs)


def submission_sent(
    business: Any, *, channel: str = "web", language: str = "en", **data: Any
) -> FormSubmission:
    """A submission as a visitor would send it (defaults: a name, an email and a message)."""
    values = {"name": "Anna Weber", "email": "anna@example.com", "message": "Do you cater?"}
    values.update(data)
    return form_submit(business=business, data=values, channel=channel, language=language)
