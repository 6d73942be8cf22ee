from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The platform staff's console (/console/): every business, revenue, packages, activity,
    alerts, map and exports. Staff only; business team members get a 404 on every page."""

    name = "kazan.console"
    label = "console"
    verbose_name = "Platform console"

    def ready(self) -> None:
        from kazan.console.exports import export_kinds_register

        export_kinds_register()
