"""python manage.py telegram_poll --business <slug> [--once] [--timeout 50]

Local development without a public URL: deletes the business's bot webhook, then long-polls
getUpdates (seed 004 §7.1: 50 s) and feeds every update to the same path as the webhook
(webhooks.update_store: stored once per update_id, processed by the worker — run it too).
Never in a web worker: production uses the webhook, which connecting the bot again restores."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kazan.channels.providers.telegram.botapi import BotApi
from kazan.channels.providers.telegram.setup import ALLOWED_UPDATES
from kazan.channels.providers.telegram.webhooks import update_store
from kazan.channels.queries import installation_active, installation_credentials
from kazan.messaging.transports import ProviderError
from kazan.tenancy.queries import business_for_slug

ERROR_PAUSE_SECONDS = 5


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--business", required=True, help="The business's slug.")
        parser.add_argument("--timeout", type=int, default=50, help="Long-poll seconds.")
        parser.add_argument("--once", action="store_true", help="One getUpdates round, then stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        business = business_for_slug(options["business"])
        if business is None:
            raise CommandError("No business with this slug.")
        installation = installation_active(business=business, channel="telegram")
        if installation is None:
            raise CommandError("This business has no connected Telegram bot.")
        api = BotApi(installation_credentials(installation).get("bot_token", ""))
        timeout = max(0, min(int(options["timeout"]), 50))
        try:
            api.call("deleteWebhook", {"drop_pending_updates": False})
        except ProviderError as exc:
            raise CommandError(f"deleteWebhook failed: {exc.code}") from exc
        self.stdout.write(
            "Polling; connect the bot again on the Channels page to restore the webhook."
        )
        offset = 0
        while True:
            try:
                updates = api.call(
                    "getUpdates",
                    {"offset": offset, "timeout": timeout, "allowed_updates": ALLOWED_UPDATES},
                    timeout=timeout + 10,
                )
            except ProviderError as exc:
                self.stderr.write(f"getUpdates failed: {exc.code}")
                if options["once"]:
                    return
                time.sleep(ERROR_PAUSE_SECONDS)
                continue
            stored = 0
            for update in updates if isinstance(updates, list) else []:
                if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                    continue
                offset = max(offset, update["update_id"] + 1)
                stored += update_store(update, installation)
            if stored:
                self.stdout.write(f"{stored} update(s) stored")
            if options["once"]:
                if offset:  # confirm them, as the next round would
                    api.call("getUpdates", {"offset": offset, "timeout": 0, "limit": 1})
                return
