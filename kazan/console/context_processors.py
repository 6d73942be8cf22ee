from kazan.billing.queries import bank_details
from kazan.console.queries import alerts_open_count


def _bank_details_missing() -> bool:
    return bank_details() is None


def console(request) -> dict:
    """The open-alerts badge of the console's menu and the warning that manual payments cannot
    be paid (no bank details), for staff. Callables: the template calls them, so only pages that
    show them (the console's own) pay their query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return {}
    return {
        "console_open_alerts": alerts_open_count,
        "console_bank_details_missing": _bank_details_missing,
    }
