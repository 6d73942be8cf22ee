"""The CRM flow's menu actions past registration (named in kazan.crm.flow): placing an order
(UC-002), tokens and premium, the balance, the orders and their CSV, the help. Each is a thin call
into the wallet and commerce services, replying in the customer's language."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from kazan.conversations.engine import ActionResult, Context, Reply, Step, action, reply_text
from kazan.core.errors import NotFound, ValidationFailed
from kazan.core.formatting import date_local, number_local
from kazan.core.money import money_format
from kazan.crm.actions import _customer
from kazan.wallet.errors import InsufficientTokens

ORDERS_LISTED = 10
ENTRIES_LISTED = 5
# Under private/: the Telegram sender uploads documents from there only.
EXPORT_DIR = "private/crm/exports"


def _tokens(amount: int) -> str:
    return gettext("%(count)s tokens") % {"count": number_local(amount)}


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
    from kazan.commerce.services.queue_placing import token_order_quote

    _profile, package = _order_choice(ctx)
    quote = token_order_quote(
        business=ctx.business, customer=_customer(ctx), package=package, email_confirmation=True
    )
    ctx.state["order_addon_tokens"] = number_local(quote.addon_tokens)


@action("crm_order_quote")
def _order_quote(ctx: Context, step: Step) -> ActionResult:
    """The order's details before it is placed: who, what, the add-on, the total, the balance."""
    from kazan.commerce.services.queue_placing import token_order_quote
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
    # The confirmation charges this total or nothing (token_order_place's expected_total).
    ctx.state["order_quote_total"] = quote.total
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
    from kazan.commerce.error_codes import CommerceErrorCode
    from kazan.commerce.services.queue_placing import token_order_place
    from kazan.core.errors import Conflict

    profile, package = _order_choice(ctx)
    quoted = ctx.state.get("order_quote_total")
    try:
        order = token_order_place(
            business=ctx.business,
            customer=_customer(ctx),
            profile=profile,
            package=package,
            email_confirmation=ctx.state.get("order_addon") == "yes",
            channel=ctx.channel,
            expected_total=quoted if isinstance(quoted, int) else None,
        )
    except InsufficientTokens as error:
        return _short(ctx, error)
    except Conflict as error:
        if error.code != CommerceErrorCode.QUOTE_CHANGED:
            raise
        # The price changed since the quote (premium ended, a new price): the new quote, to
        # confirm again.
        fresh = _order_quote(ctx, step)
        notice = reply_text(gettext("The price has changed since your quote. Please check again."))
        return ActionResult([notice, *(fresh.replies if fresh else [])], next="order_confirm")
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
