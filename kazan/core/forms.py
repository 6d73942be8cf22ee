import datetime as dt

from django.contrib import messages
from django.core.validators import MaxValueValidator, MinValueValidator

from kazan.core.entitlements import PlanLimitReached
from kazan.core.errors import KazanError

# Filter dates stay well inside what datetime and the database can hold once shifted by a time
# zone and a day (9999-12-31 + 1 day overflows), so a typed-in extreme is a form error, not a 500.
FILTER_DATE_MIN = dt.date(1900, 1, 1)
FILTER_DATE_MAX = dt.date(2999, 12, 31)
FILTER_DATE_VALIDATORS = [MinValueValidator(FILTER_DATE_MIN), MaxValueValidator(FILTER_DATE_MAX)]


def error_show(request, error: KazanError, *, form=None, field: str | None = None) -> None:
    """Shows a service's refusal on the page: a plan limit as a message with an upgrade link
    (partials/messages.html), anything else on the form (or as a message without a form)."""
    if isinstance(error, PlanLimitReached) or form is None:
        extra = "plan-limit" if isinstance(error, PlanLimitReached) else ""
        messages.error(request, str(error.message), extra_tags=extra)
        return
    form.add_error(field, str(error.message))
