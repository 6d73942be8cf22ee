from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kazan.conversations.choices import MessageAuthor, MessageDirection, Status


class Flow(models.Model):
    """A business's bot flow. Its definition lives in versions: saving makes a new version, and
    a running session keeps the version it started with."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="flows")
    key = models.SlugField(max_length=40)
    name = models.CharField(_("name"), max_length=80)
    current_version = models.ForeignKey(
        "conversations.FlowVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "key"], name="flow_key_unique_per_business")
        ]

    def __str__(self) -> str:
        return self.name


class FlowVersion(models.Model):
    """One saved definition of a flow (engine format, validated on save). Never edited."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["flow", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "number"], name="flow_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.flow_id} v{self.number}"


class FlowBinding(models.Model):
    """Which flow answers on which channel of a business ("*": every channel without a binding
    of its own), and the words that restart it (START, MENU)."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    flow = models.ForeignKey(Flow, on_delete=models.PROTECT, related_name="bindings")
    restart_keywords = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "channel"], name="flow_binding_unique_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} -> flow {self.flow_id}"


class BotSettings(models.Model):
    """The fallback chain for input no step expects, per business: FAQ match, then the agent,
    then "I did not understand" with the options, then a hand-off after this many misses
    (0: never)."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="bot_settings"
    )
    faq_fallback = models.BooleanField(_("answer from the FAQ"), default=True)
    agent_fallback = models.BooleanField(_("let the assistant answer"), default=False)
    misses_before_handoff = models.PositiveSmallIntegerField(
        _("hand over to a person after this many misunderstood messages"), default=3
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"bot settings of {self.business_id}"


class Conversation(models.Model):
    """The thread with one person on one channel of a business (one per channel identity).
    Each run of a flow is a session in it (`session`: the latest), so a finished flow never
    silences the next message; `status` says whether the bot or a person answers."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="conversations"
    )
    channel = models.CharField(max_length=16)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
    )
    language = models.CharField(max_length=8, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The thread (omnichannel core): who it is with, the running session, and its inbox state.
    identity = models.ForeignKey(
        "customers.ChannelIdentity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="conversations",
    )
    session = models.ForeignKey(
        "conversations.ConversationSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOT)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    snoozed_until = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # The customer's last message: opens a channel's customer-service window (WhatsApp 24 h)
    # and, later than `team_read_at`, makes the thread unread for the team.
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    team_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "identity"], name="conversation_thread_unique"
            )
        ]
        indexes = [
            models.Index(fields=["business", "customer", "-created_at"], name="conv_customer_idx"),
            models.Index(fields=["business", "status", "-last_message_at"], name="conv_inbox_idx"),
            # The inbox's live stream asks every few seconds what changed since a time.
            models.Index(fields=["business", "updated_at"], name="conv_changed_idx"),
        ]

    def __str__(self) -> str:
        return f"conversation #{self.pk} ({self.channel})"


class ConversationSession(models.Model):
    """One run of a flow inside a thread. `step` and `state` are all the engine needs to
    continue; a finished session ends the run, not the thread."""

    class EndReason(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        RESTARTED = "restarted", _("Restarted")
        HANDOFF = "handoff", _("Handed to a person")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="sessions"
    )
    flow_version = models.ForeignKey(
        FlowVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    step = models.CharField(max_length=40, blank=True, default="")
    waiting = models.BooleanField(default=False)
    state = models.JSONField(default=dict, blank=True)
    # Input in a row that no step expected (the fallback chain's hand-off counter).
    misses = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=12, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["conversation", "-started_at"], name="session_conv_idx")]

    def __str__(self) -> str:
        return f"session #{self.pk} of conversation #{self.conversation_id}"

    @property
    def running(self) -> bool:
        return self.ended_at is None


class ConversationMessage(models.Model):
    """The log of what was said. Codes and phone numbers the customer typed are stored masked;
    an outbound row keeps the channel-neutral replies it carried (`payload`) so a channel can
    show the history again."""

    Direction = MessageDirection
    Author = MessageAuthor

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=4, choices=Direction.choices)
    text = models.TextField(blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)
    author_kind = models.CharField(max_length=8, choices=Author.choices, blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session = models.ForeignKey(
        ConversationSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The provider's id of an inbound message ("<provider>:<id>"): a retried webhook is dropped.
    provider_message_id = models.CharField(max_length=120, blank=True, default="")
    # The outbox row that carries an outbound message to the customer's channel.
    outbound = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="convmsg_provider_id_unique",
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="convmsg_conv_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} #{self.pk}"
