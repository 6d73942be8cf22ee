"""Tables of the shopping agent (seed 002): a business's agent configuration, its AI message
count per month (the plans issue sets the quota) and the log of the agent's tool calls (chatbot
analytics and the evaluation). Tool arguments are logged without personal data."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kazan.core.db import AppendOnlyModel
from kazan.core.fields import EncryptedTextField


class Engine(models.TextChoices):
    LOCAL = "local", _("Built-in assistant (no AI model)")
    LLM = "llm", _("AI model (OpenAI-compatible)")


class Tone(models.TextChoices):
    FRIENDLY = "friendly", _("Friendly")
    FORMAL = "formal", _("Formal")
    CONCISE = "concise", _("Concise")


class Speed(models.TextChoices):
    FAST = "fast", _("Fast")
    BALANCED = "balanced", _("Balanced")
    QUALITY = "quality", _("Quality")


class AgentSettings(models.Model):
    """How one business's agent behaves; seed 002's "AI configuration options" with its
    defaults. A business without a row has these defaults and the local engine."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="agent_settings"
    )
    enabled = models.BooleanField(_("agent answers"), default=True)
    engine = models.CharField(_("engine"), max_length=8, choices=Engine.choices, default="local")
    model = models.CharField(_("model"), max_length=100, default="gpt-4o-mini")
    temperature = models.DecimalField(_("temperature"), max_digits=2, decimal_places=1, default=0.7)
    max_tokens = models.PositiveIntegerField(_("max tokens"), default=250)
    top_p = models.DecimalField(_("top-p"), max_digits=3, decimal_places=2, default=0.95)
    # Sent only to servers that accept it (not part of OpenAI's API).
    top_k = models.PositiveIntegerField(_("top-k"), null=True, blank=True, default=40)
    system_prompt = models.TextField(_("system prompt"), blank=True, default="")
    memory_messages = models.PositiveIntegerField(_("memory (messages)"), default=10)
    tone = models.CharField(_("tone"), max_length=10, choices=Tone.choices, default="friendly")
    speed = models.CharField(
        _("response speed"), max_length=10, choices=Speed.choices, default="balanced"
    )
    # The business's own OpenAI-compatible server; blank: the platform's (settings).
    base_url = models.URLField(_("API base URL"), max_length=300, blank=True, default="")
    api_key = EncryptedTextField(blank=True, default="")
    # Failed turns in a row before the conversation goes to a person.
    handoff_after_failures = models.PositiveIntegerField(default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(temperature__gte=0.1, temperature__lte=1.0), name="agent_temperature"
            ),
            models.CheckConstraint(
                condition=Q(max_tokens__gte=50, max_tokens__lte=1000), name="agent_max_tokens"
            ),
            models.CheckConstraint(condition=Q(top_p__gte=0.5, top_p__lte=1.0), name="agent_top_p"),
            models.CheckConstraint(
                condition=Q(memory_messages__gte=1, memory_messages__lte=20),
                name="agent_memory",
            ),
        ]

    def __str__(self) -> str:
        return f"agent settings of business #{self.business_id}"


class AgentToolCall(AppendOnlyModel):
    """One tool the agent called in a turn, and whether it worked."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    engine = models.CharField(max_length=8, choices=Engine.choices)
    tool = models.CharField(max_length=40)
    # The arguments as the tool validated them (product ids, quantities, dates; no contact data).
    arguments = models.JSONField(default=dict, blank=True)
    ok = models.BooleanField()
    error_code = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["business", "created_at"], name="agent_toolcall_idx")]

    def __str__(self) -> str:
        return f"{self.tool} call #{self.pk}"
