"""Write use-cases of the webforms app, each scoped to one business (callers import from
here): a visitor's submission (`submit`), the team's settings and handling (`manage`)."""

from kazan.webforms.services.manage import (
    form_settings_update,
    submission_delete,
    submission_mark_handled,
    submission_mark_read,
    submissions_erase,
    submissions_export,
)
from kazan.webforms.services.submit import (
    FormInvalid,
    form_ratelimit,
    form_submit,
    notification_recipients,
)

__all__ = [
    "FormInvalid",
    "form_ratelimit",
    "form_settings_update",
    "form_submit",
    "notification_recipients",
    "submission_delete",
    "submission_mark_handled",
    "submission_mark_read",
    "submissions_erase",
    "submissions_export",
]
