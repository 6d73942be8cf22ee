"""The shopping agent's use-cases (writes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction

from kazan.agent.error_codes import AgentErrorCode
from kazan.agent.models import AgentSettings
from kazan.agent.queries import agent_settings_get
from kazan.core.entitlements import PlanLimitReached, Quota, quota_take
from kazan.core.errors import ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.agent.engines.base import AgentOutcome
    from kazan.tenancy.models import Business


def ai_message_take(*, business: Business) -> bool:
    """Count one AI (LLM) message of this month if the plan allows it (quota_take: one
    conditional UPDATE, so two turns at the boundary can never both pass). False when the plan
    refuses — the local engine answers instead, and nothing is counted."""
    try:
        quota_take(business=business, key=Quota.AI_MESSAGES)
    except PlanLimitReached:
        return False
    return True


# The seed's "AI configuration options", with their ranges (the table's constraints agree).
SETTINGS_FIELDS = (
    "enabled",
    "engine",
    "model",
    "temperature",
    "max_tokens",
    "top_p",
    "top_k",
    "system_prompt",
    "memory_messages",
    "tone",
    "speed",
    "base_url",
    "handoff_after_failures",
)


def agent_settings_update(
    *, business: Business, actor: Actor, api_key: str | None = None, **changes: Any
) -> AgentSettings:
    """Save the business's agent settings. `api_key` None keeps the stored key, "" removes it
    (write-only: it is never read back to a page)."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationFailed(
            code=AgentErrorCode.INVALID_SETTINGS, message=f"unknown settings: {sorted(unknown)}"
        )
    with transaction.atomic():
        row = agent_settings_get(business=business)
        if row.pk is not None:
            row = AgentSettings.objects.select_for_update().get(pk=row.pk)
        changed = sorted(field for field, value in changes.items() if getattr(row, field) != value)
        for field, value in changes.items():
            setattr(row, field, value)
        key_changed = api_key is not None and api_key != row.api_key
        if api_key is not None:
            row.api_key = api_key
        _check(row)
        row.save()
        if changed or key_changed:
            _activity(
                business=business,
                actor=actor,
                row=row,
                changed=changed,
                key=api_key if key_changed else None,
            )
    return row


def _check(row: AgentSettings) -> None:
    from decimal import Decimal

    problems = []
    if not Decimal("0.1") <= Decimal(row.temperature) <= Decimal("1.0"):
        problems.append("temperature")
    if not 50 <= row.max_tokens <= 1000:
        problems.append("max_tokens")
    if not Decimal("0.5") <= Decimal(row.top_p) <= Decimal("1.0"):
        problems.append("top_p")
    if row.top_k is not None and not 10 <= row.top_k <= 100:
        problems.append("top_k")
    if not 1 <= row.memory_messages <= 20:
        problems.append("memory_messages")
    if not 1 <= row.handoff_after_failures <= 10:
        problems.append("handoff_after_failures")
    if problems:
        raise ValidationFailed(
            code=AgentErrorCode.INVALID_SETTINGS,
            message=f"out of range: {', '.join(problems)}",
        )


def _activity(
    *, business: Business, actor: Actor, row: AgentSettings, changed: list[str], key: str | None
) -> None:
    from kazan.activity.services import activity_record

    data: dict[str, Any] = {"fields": changed, "engine": row.engine}
    if key is not None:
        data["api_key"] = "set" if key else "removed"  # never the key itself
    activity_record(business=business, actor=actor, action="agent.settings_changed", data=data)


# The sandbox customer of "test the assistant": a fictional number (NANP 555-01xx), created
# inside a transaction that is always rolled back.
SANDBOX_PHONE = "+12015550123"


@dataclass
class TryOutcome:
    engine: str
    replies: list[dict[str, Any]]
    calls: list[dict[str, Any]]
    quota_reached: bool = False


class _Sandbox(Exception):
    def __init__(self, outcome: AgentOutcome):
        super().__init__("sandbox")
        self.outcome = outcome


def assistant_try(*, business: Business, text: str, language: str) -> TryOutcome:
    """One turn of the configured engine for a made-up customer, as the team's "test the
    assistant" box runs it: carts, orders, links and logs it writes are rolled back, so no
    real customer's cart is touched and the analytics do not count it. An AI message it uses
    does count (the model answered)."""
    from kazan.agent.engines.base import AgentTurn, engine_for
    from kazan.agent.tools import ToolScope
    from kazan.customers.services import customer_get_or_create_by_phone

    row = agent_settings_get(business=business)
    engine = engine_for(business, row)
    try:
        with transaction.atomic():
            customer, _created = customer_get_or_create_by_phone(
                business=business,
                phone=SANDBOX_PHONE,
                name="Test",
                language=language,
                channel="dashboard",
                actor_kind="system",
            )
            scope = ToolScope(
                business=business,
                customer=customer,
                channel="whatsapp",
                language=language,
                engine=engine.key,
            )
            turn = AgentTurn(scope=scope, text=text, payload=None, history=[], settings=row)
            raise _Sandbox(engine.respond(turn))
    except _Sandbox as done:
        outcome = done.outcome
    return TryOutcome(
        engine=engine.key,
        replies=outcome.replies,
        calls=[
            {"name": c.name, "ok": c.result.ok, "error_code": c.result.error_code}
            for c in outcome.calls
        ],
        quota_reached=row.engine == "llm" and engine.key != "llm",
    )


def shop_flow_ensure(*, business: Business) -> None:
    """Binds the shop flow (the `agent` step) to WhatsApp; WA calls it on connecting a number."""
    from kazan.agent.shop import shop_flow_ensure as ensure

    ensure(business=business)
