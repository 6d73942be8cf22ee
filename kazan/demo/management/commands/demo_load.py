import sys

import pyotp
from django.conf import settings
from django.core.management.base import BaseCommand

from kazan.demo.services import DEMO_SLUG, DemoLogin, demo_load


class Command(BaseCommand):
    help = (
        "Load the demo business (demo-cafe) with its team, customers, reviews, vouchers, "
        "messages, a campaign and 60 days of funnel history, and the Sicilian shop "
        "(delizie-di-sicilia) with its catalog, orders and shopping assistant."
    )

    def handle(self, *args, **options):
        logins = demo_load()
        base = settings.PUBLIC_URL
        lines = [
            "",
            "Kazan is starting:",
            f"  QR landing page      {base}/{DEMO_SLUG}/?src=qr   (the guest's chat)",
            f"  Business dashboard   {base}/dashboard/",
            f"  Platform console     {base}/console/   (staff: password, then two-factor code)",
            f"  Admin (staff)        {base}/admin/",
            f"  Website widget demo  {base}/widget/demo   (the café's web page with the widget)",
            f"  API docs             {base}/api/docs",
            f"  Development SMS      {base}/dev/outbox   (when DEBUG is on)",
            f"  Sicilian shop        {base}/dashboard/orders/   (the shop owner below; try the",
            f"                       shopping assistant at {base}/dashboard/assistant/)",
            f"  Telegram CRM         {base}/dashboard/crm/   (the CRM owner or operator below:",
            "                       Site Registration Service, its queue, wallets and panel);",
            "                       its bot is not connected: create one with @BotFather and",
            f"                       paste its token on {base}/dashboard/channels/ (Telegram)",
            "",
            "Demo logins:",
            *[line for login in logins for line in _login_lines(login)],
            "",
        ]
        self.stdout.write("\n".join(lines))


def _login_lines(login: DemoLogin) -> list[str]:
    """The login; for an account with two-factor, its key and how to get a code without a phone."""
    lines = [f"  {login.role:<15} {login.email:<32} {login.password}"]
    if login.totp_secret:
        indent = " " * 18
        script = f"import pyotp; print(pyotp.TOTP('{login.totp_secret}').now())"
        lines += [
            f"{indent}two-factor key  {login.totp_secret}  (for an authenticator app)",
            f"{indent}code right now  {pyotp.TOTP(login.totp_secret).now()}  (valid about a minute,"
            " once); a fresh code:",
            f'{indent}{sys.executable} -c "{script}"',
        ]
    return lines
