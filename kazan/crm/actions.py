"""The CRM flow's actions (named in kazan.crm.flow), each a thin call into the customers,
wallet and commerce services. They run in the customer's language (the engine's turn) and
reply with channel-neutral replies; Telegram renders the choices as inline keyboards."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from kazan.conversations.engine import ActionResult, Context, Reply, Step, action, reply_text
from kazan.conversations.engine.registry import RETURN_VAR
from kazan.core.errors import NotFound, ValidationFailed
from kazan.core.formatting import date_local, number_local
from kazan.core.money import money_format
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
from kazan.wallet.errors import InsufficientTokens

if TYPE_CHECKING:
    from kazan.customers.models import Customer

# The state keys of a registration in progress, carried into a new session (a command ends
# the running one): the answers, and where a summary's "Edit …" returns to.
CARRIED_KEYS = ("tg_username",)
ORDERS_LISTED = 10
ENTRIES_LISTED = 5
EXPORT_DIR = "crm/exports"
DATA_PROCESSING = "data_processing"  # the consent purpose (customers' ConsentRecord.Purpose)


def _tokens(amount: int) -> str:
    return gettext("%(count)s tokens") % {"count": number_local(amount)}


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


# --- orders (UC-002) -----------------------------------------------------------------------


@action("crm_order_entry")
def _order_entry(ctx: Context, step: Step) -> ActionResult:
    """/order: the customer's profiles to choose from (registration first when none)."""
    from kazan.customers.queries import customer_profiles

    profiles = customer_profiles(business=ctx.business, customer=_customer(ctx))
    for key in [key for key in ctx.state if key.startswith("order_")]:
        del ctx.state[key]
    if not profiles:
        return ActionResult(next="order_no_profile")
    ctx.state["order_profiles"] = [
        {"value": str(profile.pk), "label": profile.full_name} for profile in profiles
    ]
    return ActionResult()


@action("crm_order_packages")
def _order_packages(ctx: Context, step: Step) -> None:
    """The packages with the price this customer pays (the subscriber price when premium)."""
    from kazan.commerce.queries import packages_active
    from kazan.commerce.services.packages import packages_ensure_defaults
    from kazan.wallet.queries import premium_is_active

    packages_ensure_defaults(business=ctx.business)
    premium = premium_is_active(business=ctx.business, customer=_customer(ctx))
    ctx.state["order_package_options"] = [
        {
            "value": str(package.pk),
            "label": gettext("%(package)s — %(price)s")
            % {
                "package": package.name,
                "price": _tokens(
                    package.subscriber_price_tokens if premium else package.price_tokens
                ),
            },
        }
        for package in packages_active(business=ctx.business)
    ]


def _order_choice(ctx: Context) -> tuple[Any, Any]:
    """The chosen profile and package, checked against the business again."""
    from kazan.commerce.queries import package_get
    from kazan.customers.queries import profile_get

    customer = _customer(ctx)
    profile = profile_get(business=ctx.business, pk=str(ctx.state.get("order_profile", "")))
    if profile.customer_id != customer.pk:
        raise NotFound()
    package_id = str(ctx.state.get("order_package", ""))
    if not (package_id.isascii() and package_id.isdigit()):
        raise NotFound()
    return profile, package_get(business=ctx.business, package_id=int(package_id))


@action("crm_order_addon_price")
def _order_addon_price(ctx: Context, step: Step) -> None:
    from kazan.commerce.services.queue import token_order_quote

    _profile, package = _order_choice(ctx)
    quote = token_order_quote(
        business=ctx.business, customer=_customer(ctx), package=package, email_confirmation=True
    )
    ctx.state["order_addon_tokens"] = number_local(quote.addon_tokens)


@action("crm_order_quote")
def _order_quote(ctx: Context, step: Step) -> ActionResult:
    """The order's details before it is placed: who, what, the add-on, the total, the balance."""
    from kazan.commerce.services.queue import token_order_quote
    from kazan.wallet.queries import token_balance

    customer = _customer(ctx)
    profile, package = _order_choice(ctx)
    addon = ctx.state.get("order_addon") == "yes"
    quote = token_order_quote(
        business=ctx.business, customer=customer, package=package, email_confirmation=addon
    )
    lines = [
        gettext("Your order:"),
        gettext("Profile: %(name)s") % {"name": profile.full_name},
        gettext("Package: %(package)s — %(price)s")
        % {"package": package.name, "price": _tokens(quote.package_tokens)},
    ]
    if addon:
        lines.append(
            gettext("Email confirmation: %(price)s") % {"price": _tokens(quote.addon_tokens)}
        )
    if quote.subscriber:
        lines.append(gettext("Subscriber price and priority processing applied."))
    lines.append(gettext("Total: %(total)s") % {"total": _tokens(quote.total)})
    lines.append(
        gettext("Your balance: %(balance)s")
        % {"balance": _tokens(token_balance(business=ctx.business, customer=customer))}
    )
    return ActionResult([reply_text("\n".join(lines))])


def _short(ctx: Context, error: InsufficientTokens) -> ActionResult:
    missing = max(0, error.needed - error.balance)
    return ActionResult(
        [
            {
                "type": "error",
                "text": gettext(
                    "Not enough tokens: this costs %(needed)s and you have %(balance)s. "
                    "You need %(missing)s more."
                )
                % {
                    "needed": _tokens(error.needed),
                    "balance": _tokens(error.balance),
                    "missing": _tokens(missing),
                },
            }
        ],
        next="topup_offer",
    )


@action("crm_order_place")
def _order_place(ctx: Context, step: Step) -> ActionResult:
    """Places the order: the tokens are deducted and the order queued (the queue tells the
    customer its position); too few tokens offer a top-up."""
    from kazan.commerce.services.queue import token_order_place

    profile, package = _order_choice(ctx)
    try:
        order = token_order_place(
            business=ctx.business,
            customer=_customer(ctx),
            profile=profile,
            package=package,
            email_confirmation=ctx.state.get("order_addon") == "yes",
            channel=ctx.channel,
        )
    except InsufficientTokens as error:
        return _short(ctx, error)
    return ActionResult(
        [
            reply_text(
                gettext("Done! Your order #%(number)s is placed and waits in the queue.")
                % {"number": order.number}
            )
        ]
    )


# --- tokens and premium --------------------------------------------------------------------


@action("crm_tokens_entry")
def _tokens_entry(ctx: Context, step: Step) -> None:
    """/tokens: the predefined amounts with their prices, a custom amount, and premium."""
    from kazan.wallet.queries import premium_until
    from kazan.wallet.services import wallet_settings_get

    settings = wallet_settings_get(business=ctx.business)
    options: list[dict[str, str]] = []
    for amount in settings.topup_amounts or []:
        if isinstance(amount, int) and amount > 0:
            price = money_format(amount * settings.token_price_minor, settings.currency)
            options.append(
                {
                    "value": str(amount),
                    "label": gettext("%(tokens)s — %(price)s")
                    % {"tokens": _tokens(amount), "price": price},
                }
            )
    options.append({"value": "custom", "label": gettext("✏️ Custom amount")})
    until = premium_until(business=ctx.business, customer=_customer(ctx))
    premium = (
        gettext("⭐ Premium (until %(date)s)") % {"date": date_local(until)}
        if until
        else gettext("⭐ Premium")
    )
    options.append({"value": "premium", "label": premium})
    ctx.state["tokens_options"] = options
    ctx.state["tokens_min"] = number_local(settings.topup_min)
    ctx.state["tokens_max"] = number_local(settings.topup_max)
    ctx.state["premium_days"] = number_local(settings.premium_days)
    ctx.state["premium_tokens"] = number_local(settings.premium_price_tokens)
    ctx.state["premium_price"] = money_format(settings.premium_price_minor, settings.currency)


def _pay_link(purchase: Any, label: str) -> ActionResult:
    return ActionResult(
        [
            reply_text(gettext("Here is your secure payment link. Tokens arrive once it is paid.")),
            {"type": "links", "links": [{"label": label, "url": purchase.pay_url, "kind": "link"}]},
        ]
    )


@action("crm_tokens_buy")
def _tokens_buy(ctx: Context, step: Step) -> ActionResult:
    """A top-up of the chosen amount: the gateway's payment link as a button."""
    from kazan.wallet.services import purchase_start

    amount = str(ctx.state.get("tokens_amount", ""))
    if not (amount.isascii() and amount.isdigit()):
        raise ValidationFailed(gettext("Please choose an amount."))
    purchase = purchase_start(business=ctx.business, customer=_customer(ctx), tokens=int(amount))
    return _pay_link(purchase, gettext("Pay for %(tokens)s") % {"tokens": _tokens(int(amount))})


@action("crm_premium_tokens")
def _premium_tokens(ctx: Context, step: Step) -> ActionResult:
    from kazan.wallet.services import premium_buy_with_tokens

    try:
        period = premium_buy_with_tokens(business=ctx.business, customer=_customer(ctx))
    except InsufficientTokens as error:
        return _short(ctx, error)
    return ActionResult(
        [
            reply_text(
                gettext("Premium is active until %(date)s. Enjoy the subscriber prices!")
                % {"date": date_local(timezone.localtime(period.expires_at))}
            )
        ]
    )


@action("crm_premium_online")
def _premium_online(ctx: Context, step: Step) -> ActionResult:
    from kazan.wallet.services import purchase_start

    purchase = purchase_start(business=ctx.business, customer=_customer(ctx), purpose="premium")
    return _pay_link(purchase, gettext("Pay for premium"))


# --- balance, orders, help -----------------------------------------------------------------


@action("crm_balance")
def _balance(ctx: Context, step: Step) -> ActionResult:
    """/balance: the balance, premium's end, the last transactions."""
    from kazan.wallet.queries import premium_until, token_balance, token_entries

    customer = _customer(ctx)
    lines = [
        gettext("Your balance: %(balance)s")
        % {"balance": _tokens(token_balance(business=ctx.business, customer=customer))}
    ]
    until = premium_until(business=ctx.business, customer=customer)
    if until:
        lines.append(
            gettext("Premium until %(date)s") % {"date": date_local(timezone.localtime(until))}
        )
    entries = token_entries(business=ctx.business, customer=customer, limit=ENTRIES_LISTED)
    if entries:
        lines.append("")
        lines.append(gettext("Latest transactions:"))
        for entry in entries:
            sign = "+" if entry.amount > 0 else "−"
            lines.append(
                f"{date_local(timezone.localtime(entry.created_at))} · {entry.get_kind_display()}"
                f" · {sign}{number_local(abs(entry.amount))}"
            )
    else:
        lines.append(gettext("No transactions yet."))
    return ActionResult([reply_text("\n".join(lines))])


def _status(value: str) -> str:
    from kazan.commerce.queries.queue import token_status_label

    return str(token_status_label(value))


@action("crm_orders")
def _orders(ctx: Context, step: Step) -> ActionResult:
    """/orders: the latest orders with their status and live queue position."""
    from kazan.commerce.queries import customer_token_orders

    rows = customer_token_orders(
        business=ctx.business, customer=_customer(ctx), limit=ORDERS_LISTED
    )
    if not rows:
        return ActionResult([reply_text(gettext("You have no orders yet."))])
    lines = [gettext("Your orders:")]
    for row in rows:
        line = f"#{row.number} · {row.package} · {row.profile} · {_status(row.status)}"
        if row.position:
            line += " · " + gettext("position %(position)s in the queue") % {
                "position": number_local(row.position)
            }
        lines.append(line)
    return ActionResult([reply_text("\n".join(lines))])


@action("crm_orders_csv")
def _orders_csv(ctx: Context, step: Step) -> ActionResult:
    """The customer's orders as a CSV document (kept in the private storage, sent as a file)."""
    from kazan.commerce.queries import customer_token_orders

    rows = customer_token_orders(business=ctx.business, customer=_customer(ctx), limit=1000)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            pgettext("CSV column", "Order"),
            pgettext("CSV column", "Date"),
            pgettext("CSV column", "Profile"),
            pgettext("CSV column", "Package"),
            pgettext("CSV column", "Tokens"),
            pgettext("CSV column", "Email confirmation"),
            pgettext("CSV column", "Status"),
            pgettext("CSV column", "Queue position"),
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row.number,
                timezone.localtime(row.created_at).date().isoformat(),
                _csv_safe(row.profile),
                _csv_safe(row.package),
                row.tokens,
                gettext("yes") if row.email_confirmation else gettext("no"),
                _status(row.status),
                row.position or "",
            ]
        )
    path = default_storage.save(
        f"{EXPORT_DIR}/{ctx.business.pk}/{uuid.uuid4().hex}.csv",
        ContentFile(buffer.getvalue().encode("utf-8-sig")),
    )
    reply: Reply = {
        "type": "document",
        "storage_path": path,
        "filename": "orders.csv",
        "caption": gettext("Your orders (%(count)s)") % {"count": number_local(len(rows))},
    }
    return ActionResult([reply])


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def help_text() -> str:
    return gettext(
        "This bot registers your customer profiles, takes your orders and keeps your tokens.\n\n"
        "/start — the main menu\n"
        "/register — register a customer profile (you can register several)\n"
        "/order — place an order for one of your profiles, paid in tokens\n"
        "/tokens — buy tokens or premium (subscriber prices and priority processing)\n"
        "/balance — your token balance and latest transactions\n"
        "/orders — your orders, their status and queue position; download them as CSV\n"
        "/help — this help\n\n"
        "A command works at any time, also in the middle of a question; a registration you "
        "leave waits for you. To talk to a person from our team, press the button below."
    )


@action("crm_help")
def _help(ctx: Context, step: Step) -> ActionResult:
    return ActionResult([reply_text(help_text())])
