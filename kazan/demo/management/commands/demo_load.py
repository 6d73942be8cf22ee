from django.conf import settings
from django.core.management.base import BaseCommand

from kazan.demo.services import DEMO_SLUG, demo_load


class Command(BaseCommand):
    help = (
        "Load the demo business (demo-cafe) with its team, customers, reviews, vouchers, "
        "messages, a campaign and 60 days of funnel history."
    )

    def handle(self, *args, **options):
        logins = demo_load()
        base = settings.PUBLIC_URL
        lines = [
            "",
            "Kazan is starting:",
            f"  QR landing page      {base}/{DEMO_SLUG}/?src=qr   (the guest's chat)",
            f"  Business dashboard   {base}/dashboard/",
            f"  Platform console     {base}/console/   (sign in as platform staff)",
            f"  Admin (staff)        {base}/admin/",
            f"  API docs             {base}/api/docs",
            f"  Development SMS      {base}/dev/outbox   (when DEBUG is on)",
            "",
            "Demo logins:",
            *[f"  {login.role:<15} {login.email:<32} {login.password}" for login in logins],
            "",
        ]
        self.stdout.write("\n".join(lines))
