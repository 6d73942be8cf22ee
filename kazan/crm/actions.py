"""The CRM flow's actions (named in kazan.crm.flow), each a thin call into the customers,
wallet and commerce services. They run in the customer's language (the engine's turn) and
reply with channel-neutral replies; Telegram renders the choices as inline keyboards. Here: the
entry and the registration; the menu's orders, tokens, balance and help are in
kazan.crm.actions_menu."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from kazan.conversations.engine import ActionResult, Context, Step, action, reply_text
from kazan.conversations.engine.registry import RETURN_VAR
from kazan.core.errors import NotFound, ValidationFailed
from kazan.core.formatting import date_local
from kazan.crm.commands import COMMAND_ENTRIES, command_of
from kazan.crm.flow import CONSENT_TEXT, DRAFT_PREFIX, FIELD_STEPS, SUMMARY_STEP
from kazan.crm.validators import draft, draft_answered, draft_store
from kazan.customers.profile_fields import (
    PROFILE_FIELDS,
    US_STATES,
    ProfileInvalid,
    country_name,
    gender_label,
    password_generate,
    profile_clean,
)

if TYPE_CHECKING:
    from kazan.customers.models import Customer

# The state keys of a registration in progress, carried into a new session (a command ends
# the running one): the answers, and where a summary's "Edit …" returns to.
CARRIED_KEYS = ("tg_username",)
DATA_PROCESSING = "data_processing"  # the consent purpose (customers' ConsentRecord.Purpose)


# --- the entry -----------------------------------------------------------------------------


def _customer(ctx: Context) -> Customer:
    """The thread's customer: a Telegram user becomes one on first contact (seed 004 §3.1.2)."""
    from kazan.customers.services import customer_for_identity

    conversation = ctx.conversation
    if conversation.customer_id is not None and conversation.customer is not None:
        return conversation.customer
    identity = conversation.identity
    if identity is None:
        raise NotFound()
    customer = customer_for_identity(
        business=ctx.business,
        channel=ctx.channel,
        external_id=identity.external_id,
        name=identity.display_name,
        language=ctx.language,
    )
    conversation.customer = customer
    return customer


def _carry(ctx: Context) -> None:
    """A registration in progress survives a new session (a command, a restart, days later):
    its answers come over from the thread's previous session."""
    from kazan.conversations.queries import session_state_previous

    if draft_answered(ctx):
        return
    previous = session_state_previous(
        business=ctx.business, conversation=ctx.conversation, session=ctx.session
    )
    for key, value in previous.items():
        if (key.startswith(DRAFT_PREFIX) and key[len(DRAFT_PREFIX) :] in PROFILE_FIELDS) or (
            key in CARRIED_KEYS and key not in ctx.state
        ):
            ctx.state[key] = value


@action("crm_route")
def _route(ctx: Context, step: Step) -> ActionResult:
    """A new session: the customer known, the registration carried over, the Telegram username
    remembered (the channel passes it as inbound meta), then the command's entry (else the
    main menu)."""
    _customer(ctx)
    _carry(ctx)
    inbound = ctx.inbound
    username = (inbound.meta.get("username") if inbound else "") or ""
    if username:
        ctx.state["tg_username"] = username.removeprefix("@")[:32]
    command = command_of(inbound.text if inbound else "")
    return ActionResult(next=COMMAND_ENTRIES[command] if command else None)


# --- registration --------------------------------------------------------------------------


def _draft_clear(ctx: Context) -> None:
    for key in [key for key in ctx.state if key.startswith(DRAFT_PREFIX)]:
        del ctx.state[key]
    ctx.state.pop(RETURN_VAR, None)


@action("crm_reg_entry")
def _reg_entry(ctx: Context, step: Step) -> ActionResult:
    """/register: offers to continue a registration in progress, else starts one."""
    ctx.state.pop(RETURN_VAR, None)
    return ActionResult(next="reg_resume" if draft_answered(ctx) else None)


@action("crm_reg_continue")
def _reg_continue(ctx: Context, step: Step) -> ActionResult:
    """Goes on at the first question not answered yet (the summary when all are)."""
    answered = draft_answered(ctx)
    missing = [field for field in PROFILE_FIELDS if field not in answered]
    return ActionResult(next=FIELD_STEPS[missing[0]] if missing else SUMMARY_STEP)


@action("crm_reg_restart")
def _reg_restart(ctx: Context, step: Step) -> None:
    _draft_clear(ctx)


@action("crm_reg_password_generate")
def _reg_password_generate(ctx: Context, step: Step) -> ActionResult:
    draft_store(ctx, "password", password_generate())
    return ActionResult(
        [reply_text(gettext("I generated a strong password and saved it with the profile."))]
    )


def _labels() -> dict[str, str]:
    return {
        "first_name": gettext("First name"),
        "middle_name": gettext("Middle name"),
        "last_name": gettext("Last name"),
        "phone_e164": gettext("Phone"),
        "email": gettext("Email"),
        "gender": gettext("Gender"),
        "date_of_birth": gettext("Date of birth"),
        "street": gettext("Street"),
        "apartment": gettext("Apartment"),
        "city": gettext("City"),
        "state": gettext("State"),
        "postal_code": gettext("ZIP code"),
        "country": gettext("Country"),
        "telegram_username": "Telegram",
        "instagram_username": "Instagram",
        "password": gettext("Password"),
    }


def _shown(field: str, value: str) -> str:
    """How the summary shows an answer (a date in the customer's format, names for codes, the
    password never)."""
    if not value:
        return "—"
    if field == "password":
        return "••••••••"
    if field == "date_of_birth":
        return date_local(dt.date.fromisoformat(value))
    if field == "gender":
        return gender_label(value)
    if field == "state":
        return US_STATES.get(value, value)
    if field == "country":
        return country_name(value)
    if field in ("telegram_username", "instagram_username"):
        return f"@{value}"
    return value


@action("crm_reg_summary")
def _reg_summary(ctx: Context, step: Step) -> ActionResult:
    data = draft(ctx)
    labels = _labels()
    lines = [gettext("Please check the profile:")]
    lines += [f"{labels[field]}: {_shown(field, data[field])}" for field in PROFILE_FIELDS]
    return ActionResult([reply_text("\n".join(lines))])


@action("crm_reg_consent_check")
def _reg_consent_check(ctx: Context, step: Step) -> ActionResult:
    """The data-processing consent is asked once: a customer who gave it goes on to saving."""
    from kazan.customers.queries import data_processing_consent_granted

    granted = data_processing_consent_granted(business=ctx.business, customer=_customer(ctx))
    return ActionResult(next="reg_save" if granted else None)


def _consent_record(ctx: Context, customer: Customer) -> None:
    """Records the data-processing consent with the exact wording shown, in its language."""
    from kazan.conversations.engine import render
    from kazan.customers.normalize import SUPPORTED_LANGUAGES
    from kazan.customers.queries import data_processing_consent_granted
    from kazan.customers.services import consent_grant, consent_wording_for_text

    if data_processing_consent_granted(business=ctx.business, customer=customer):
        return
    if ctx.state.get("reg_consent") != "agree":
        raise ValidationFailed(gettext("Please agree to the processing of the data first."))
    language = ctx.language if ctx.language in SUPPORTED_LANGUAGES else "en"
    consent_grant(
        business=ctx.business,
        customer=customer,
        purpose=DATA_PROCESSING,
        channel=ctx.channel,
        wording=consent_wording_for_text(
            purpose=DATA_PROCESSING,
            language=language,
            text=render(CONSENT_TEXT, ctx),
        ),
        actor_kind="customer",
    )


@action("crm_reg_save")
def _reg_save(ctx: Context, step: Step) -> ActionResult:
    """Consent (asked once, recorded with its wording) and the profile, together. A field that
    no longer passes (a state changed without its ZIP code) is asked again, then the summary."""
    from kazan.customers.services import profile_create

    data = draft(ctx)
    try:
        profile_clean(data)
    except ProfileInvalid as invalid:
        field = next(iter(invalid.errors))
        ctx.state[RETURN_VAR] = SUMMARY_STEP
        return ActionResult(
            [{"type": "error", "text": f"{_labels()[field]}: {invalid.errors[field]}"}],
            next=FIELD_STEPS[field],
        )
    customer = _customer(ctx)
    with transaction.atomic():
        _consent_record(ctx, customer)
        profile = profile_create(
            business=ctx.business,
            customer=customer,
            data=data,
            actor_kind="customer",
            channel=ctx.channel,
        )
    _draft_clear(ctx)
    ctx.state.pop("reg_consent", None)
    return ActionResult(
        [
            reply_text(
                gettext("Thank you! The profile of %(name)s is saved. You can now place orders.")
                % {"name": profile.full_name}
            )
        ]
    )
