from django.db import models
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    """One customer's run through a flow on one channel. `step` and `state` are all the engine
    needs to continue, so a reload (or the next WhatsApp message) resumes where it stopped."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="conversations"
    )
    channel = models.CharField(max_length=16)
    # The channel's handle on the visitor: a web session token, a WhatsApp/Telegram chat id.
    external_key = models.CharField(max_length=64)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
    )
    flow_key = models.CharField(max_length=40)
    step = models.CharField(max_length=40, blank=True, default="")
    # True while `step` asked something and waits for the answer.
    waiting = models.BooleanField(default=False)
    state = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "channel", "external_key"], name="conversation_key_unique"
            )
        ]
        indexes = [
            models.Index(fields=["business", "customer", "-created_at"], name="conv_customer_idx")
        ]

    def __str__(self) -> str:
        return f"conversation #{self.pk} ({self.channel}, {self.flow_key})"


class ConversationMessage(models.Model):
    """The log of what was said. Codes and phone numbers the customer typed are stored masked;
    an outbound row keeps the channel-neutral replies it carried (`payload`) so a channel can
    show the history again."""

    class Direction(models.TextChoices):
        IN = "in", _("From the customer")
        OUT = "out", _("From the business")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    text = models.TextField(blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="convmsg_conv_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} #{self.pk}"
