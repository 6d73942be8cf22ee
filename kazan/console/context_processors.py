from kazan.console.queries import alerts_open_count


def console(request) -> dict:
    """The open-alerts badge of the console's menu, for staff. A callable: the template calls it,
    so only pages that show the badge (the console's own) pay its query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return {}
    return {"console_open_alerts": alerts_open_count}
