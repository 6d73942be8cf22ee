"""The bot's commands (seed 004 §7.1): what Telegram shows in its command menu (tg sets them with
`setMyCommands`, per language) and the step of the CRM flow each one starts at. A command works
from any point of a flow: the binding's restart keywords end the running session, and the
flow's first step (`crm_route`) sends the new one to the command's entry."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise

BOT_COMMANDS: list[tuple[str, StrOrPromise]] = [
    ("start", _("Main menu")),
    ("register", _("Register a customer profile")),
    ("order", _("Place an order")),
    ("tokens", _("Buy tokens or premium")),
    ("balance", _("Your token balance and history")),
    ("orders", _("Your orders and their status")),
    ("help", _("How this bot works")),
]

# Command → the CRM flow's step it starts at.
COMMAND_ENTRIES: dict[str, str] = {
    "start": "menu",
    "register": "reg_entry",
    "order": "order_entry",
    "tokens": "tokens_entry",
    "balance": "balance",
    "orders": "orders",
    "help": "help",
}


def command_of(text: str) -> str | None:
    """The command a message is ("/order", "/order@MyBot", "/start payload"), or None."""
    word = (text or "").strip().split(maxsplit=1)[0] if (text or "").strip() else ""
    if not word.startswith("/"):
        return None
    name = word[1:].split("@", 1)[0].lower()
    return name if name in COMMAND_ENTRIES else None


def restart_keywords() -> list[str]:
    """The CRM binding's restart keywords: every command, and the default START and MENU."""
    return [f"/{name}".upper() for name, _label in BOT_COMMANDS] + ["START", "MENU"]
