"""The conversations app's choices, apart from its tables so that other apps (the inbox, the
web chat) name a thread's status and a message's direction without reading the models."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    """Where a thread stands in the team inbox."""

    BOT = "bot", pgettext_lazy("conversation status", "With the bot")
    OPEN = "open", pgettext_lazy("conversation status", "Needs a person")
    PENDING = "pending", pgettext_lazy("conversation status", "Waiting for the customer")
    RESOLVED = "resolved", pgettext_lazy("conversation status", "Resolved")
    SNOOZED = "snoozed", pgettext_lazy("conversation status", "Snoozed")


class MessageDirection(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("From the business")
    NOTE = "note", _("Internal note")


class MessageAuthor(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    BOT = "bot", _("Bot")
    AGENT = "agent", _("Team member")
    SYSTEM = "system", _("System")
