from django.conf import settings
from django.core.management.base import BaseCommand

from kazan.demo.services import demo_load


class Command(BaseCommand):
    help = "Load the demo business (demo-cafe) with its team, customers, reviews and messages."

    def handle(self, *args, **options):
        logins = demo_load()
        base = settings.PUBLIC_URL
        lines = [
            "",
            "Kazan is starting:",
            f"  Business dashboard   {base}/dashboard/",
            f"  Admin (staff)        {base}/admin/",
            f"  API docs             {base}/api/docs",
            f"  Development SMS      {base}/dev/outbox   (when DEBUG is on)",
            "",
            "Demo logins:",
            *[f"  {login.role:<15} {login.email:<32} {login.password}" for login in logins],
            "",
        ]
        self.stdout.write("\n".join(lines))
