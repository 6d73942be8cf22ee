"""The Telegram CRM flow (seed 004 §3.1, §3.2, §3.3, UC-001, UC-002) as data: the code template
`crm_flow_ensure` stores per business (the engine runs stored versions only, so a business may
edit its copy in the flow editor). Its first step routes the new session to a command's entry;
the steps name the CRM's actions and validators (kazan.crm.actions, kazan.crm.validators)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from kazan.customers.profile_fields import US_STATES

CRM_FLOW = "telegram_crm"
CRM_CHANNEL = "telegram"
# The registration's answers live in the session's state under these names ("reg_" + the
# profile field; contact data and address encrypted), so a new session can carry them on.
DRAFT_PREFIX = "reg_"
SUMMARY_STEP = "reg_summary"
# The wallet's error code for a debit that finds too few tokens (kazan.wallet.errors).
INSUFFICIENT_TOKENS = "insufficient_tokens"

CONSENT_TEXT = _(
    "Privacy: %(business)s stores this profile (names, contact details, birth date, address, "
    "usernames and password, encrypted) to process your orders, and nothing else. You can ask "
    "for a copy or for its deletion at any time. Do you agree?"
)

# (profile field, its question, what the step asks for) in the order of the form.
_TEXT_FIELDS: list[tuple[str, Any, dict[str, Any]]] = [
    ("first_name", _("Let's register a customer profile. What is the first name?"), {}),
    ("middle_name", _("The middle name? (optional)"), {"optional": True}),
    ("last_name", _("The last name?"), {}),
    (
        "phone_e164",
        _("The phone number? (a US number, or with its country code like +44 …)"),
        {"input": "phone", "secret": True},
    ),
    ("email", _("The email address?"), {"input": "email", "secret": True}),
]


def _ask(field: str, prompt: Any, back: str | None, next_step: str, **extra: Any) -> dict:
    step: dict[str, Any] = {
        "type": "ask",
        "input": "text",
        "var": DRAFT_PREFIX + field,
        "validator": f"profile_{field}",
        "prompt": prompt,
        "next": next_step,
        **extra,
    }
    if back:
        step["back"] = back
    return step


def _menu_choices() -> list[dict[str, Any]]:
    return [
        {"value": "register", "label": _("📝 Register"), "next": "reg_entry"},
        {"value": "order", "label": _("🛒 Place order"), "next": "order_entry"},
        {"value": "tokens", "label": _("🪙 Tokens"), "next": "tokens_entry"},
        {"value": "balance", "label": _("💰 Balance"), "next": "balance"},
        {"value": "orders", "label": _("📦 My orders"), "next": "orders"},
        {"value": "help", "label": _("❓ Help"), "next": "help"},
    ]


# The summary's "Edit …" options: (value, label, the step that asks again).
_EDITS: list[tuple[str, Any, str]] = [
    ("first_name", _("Edit first name"), "reg_first_name"),
    ("middle_name", _("Edit middle name"), "reg_middle_name"),
    ("last_name", _("Edit last name"), "reg_last_name"),
    ("phone_e164", _("Edit phone"), "reg_phone_e164"),
    ("email", _("Edit email"), "reg_email"),
    ("gender", _("Edit gender"), "reg_gender"),
    ("date_of_birth", _("Edit date of birth"), "reg_date_of_birth"),
    ("street", _("Edit street"), "reg_street"),
    ("apartment", _("Edit apartment"), "reg_apartment"),
    ("city", _("Edit city"), "reg_city"),
    ("state", _("Edit state"), "reg_state"),
    ("postal_code", _("Edit ZIP code"), "reg_postal_code"),
    ("country", _("Edit country"), "reg_country"),
    ("telegram_username", _("Edit Telegram"), "reg_telegram"),
    ("instagram_username", _("Edit Instagram"), "reg_instagram_username"),
    ("password", _("Edit password"), "reg_password"),
]
# The step that asks each field (the summary's edits, and where a refused save sends back).
FIELD_STEPS = {field: step for field, _label, step in _EDITS}


def _registration() -> dict[str, dict[str, Any]]:
    steps: dict[str, dict[str, Any]] = {
        "reg_entry": {"type": "act", "action": "crm_reg_entry", "next": "reg_first_name"},
        "reg_resume": {
            "type": "choose",
            "prompt": _("You have a registration in progress. Continue where you left off?"),
            "choices": [
                {"value": "continue", "label": _("Continue"), "next": "reg_continue"},
                {"value": "restart", "label": _("Start over"), "next": "reg_restart"},
            ],
            "edit": True,
        },
        "reg_continue": {"type": "act", "action": "crm_reg_continue", "next": SUMMARY_STEP},
        "reg_restart": {"type": "act", "action": "crm_reg_restart", "next": "reg_first_name"},
    }
    back = None
    names = [f"reg_{field}" for field, _prompt, _extra in _TEXT_FIELDS] + ["reg_gender"]
    for index, (field, prompt, extra) in enumerate(_TEXT_FIELDS):
        steps[names[index]] = _ask(field, prompt, back, names[index + 1], **extra)
        back = names[index]
    steps["reg_gender"] = {
        "type": "choose",
        "prompt": _("The gender?"),
        "var": DRAFT_PREFIX + "gender",
        "choices": [
            {"value": "female", "label": _("Female")},
            {"value": "male", "label": _("Male")},
            {"value": "other", "label": _("Other")},
            {"value": "undisclosed", "label": _("Prefer not to say")},
        ],
        "back": "reg_email",
        "edit": True,
        "next": "reg_date_of_birth",
    }
    steps["reg_date_of_birth"] = _ask(
        "date_of_birth",
        _("The date of birth? (like 1990-04-25)"),
        "reg_gender",
        "reg_street",
        secret=True,
    )
    steps["reg_street"] = _ask(
        "street",
        _("The street and house number?"),
        "reg_date_of_birth",
        "reg_apartment",
        secret=True,
    )
    steps["reg_apartment"] = _ask(
        "apartment",
        _("The apartment or suite? (optional)"),
        "reg_street",
        "reg_city",
        secret=True,
        optional=True,
    )
    steps["reg_city"] = _ask("city", _("The city?"), "reg_apartment", "reg_state", secret=True)
    steps["reg_state"] = {
        "type": "choose",
        "prompt": _("The state?"),
        "var": DRAFT_PREFIX + "state",
        "choices": [{"value": code, "label": name} for code, name in US_STATES.items()],
        "page_size": 12,
        "back": "reg_city",
        "next": "reg_postal_code",
    }
    steps["reg_postal_code"] = _ask(
        "postal_code", _("The ZIP code?"), "reg_state", "reg_country", secret=True
    )
    steps["reg_country"] = _ask(
        "country",
        _("The country? Press “United States” or type another one."),
        "reg_postal_code",
        "reg_telegram",
        commands={"usa": {"label": _("United States"), "value": "US"}},
    )
    steps["reg_telegram"] = {
        "type": "branch",
        "cases": [{"if": {"var": "tg_username", "truthy": True}, "next": "reg_telegram_known"}],
        "default": "reg_telegram_username",
    }
    steps["reg_telegram_known"] = _ask(
        "telegram_username",
        _("The Telegram username? Press “Use @%(tg_username)s” or type another one."),
        "reg_country",
        "reg_instagram_username",
        optional=True,
        commands={"mine": {"label": _("Use @%(tg_username)s"), "value": "%(tg_username)s"}},
    )
    steps["reg_telegram_username"] = _ask(
        "telegram_username",
        _("The Telegram username? (optional)"),
        "reg_country",
        "reg_instagram_username",
        optional=True,
    )
    steps["reg_instagram_username"] = _ask(
        "instagram_username",
        _("The Instagram username? (optional)"),
        "reg_telegram",
        "reg_password",
        optional=True,
    )
    steps["reg_password"] = _ask(
        "password",
        _("A password for this profile? Type one (8 or more characters), generate one, or skip."),
        "reg_instagram_username",
        SUMMARY_STEP,
        input="password",
        secret=True,
        optional=True,
        commands={
            "generate": {
                "label": _("Generate one"),
                "action": "crm_reg_password_generate",
                "next": SUMMARY_STEP,
            }
        },
    )
    steps[SUMMARY_STEP] = {"type": "act", "action": "crm_reg_summary", "next": "reg_review"}
    steps["reg_review"] = {
        "type": "choose",
        "prompt": _("Is everything correct?"),
        "choices": [
            {"value": "confirm", "label": _("✅ Confirm"), "next": "reg_consent_check"},
            *(
                {"value": f"edit_{field}", "label": label, "next": step, "return": True}
                for field, label, step in _EDITS
            ),
            {"value": "restart", "label": _("Start over"), "next": "reg_restart"},
        ],
        "page_size": 9,
        "return_to": SUMMARY_STEP,
    }
    steps["reg_consent_check"] = {
        "type": "act",
        "action": "crm_reg_consent_check",
        "next": "reg_consent",
    }
    steps["reg_consent"] = {
        "type": "choose",
        "prompt": CONSENT_TEXT,
        "var": "reg_consent",
        "choices": [
            {"value": "agree", "label": _("Yes, I agree"), "next": "reg_save"},
            {"value": "decline", "label": _("No"), "next": "reg_declined"},
        ],
        "edit": True,
    }
    steps["reg_declined"] = {
        "type": "say",
        "text": _(
            "Without your consent we cannot save the profile. Your answers stay here: "
            "choose Register again whenever you wish."
        ),
        "next": "more",
    }
    steps["reg_save"] = {
        "type": "act",
        "action": "crm_reg_save",
        "next": "more",
        "on_error": {"*": "more"},
    }
    return steps


def _order() -> dict[str, dict[str, Any]]:
    return {
        "order_entry": {"type": "act", "action": "crm_order_entry", "next": "order_profile"},
        "order_no_profile": {
            "type": "choose",
            "prompt": _("To place an order, register a customer profile first."),
            "choices": [
                {"value": "register", "label": _("📝 Register"), "next": "reg_entry"},
                {"value": "menu", "label": _("Main menu"), "next": "menu"},
            ],
            "edit": True,
        },
        "order_profile": {
            "type": "choose",
            "prompt": _("Who is the order for?"),
            "choices_var": "order_profiles",
            "var": "order_profile",
            "page_size": 8,
            "next": "order_packages",
        },
        "order_packages": {"type": "act", "action": "crm_order_packages", "next": "order_package"},
        "order_package": {
            "type": "choose",
            "prompt": _("Which package?"),
            "choices_var": "order_package_options",
            "var": "order_package",
            "page_size": 10,
            "back": "order_profile",
            "next": "order_addon_price",
        },
        "order_addon_price": {
            "type": "act",
            "action": "crm_order_addon_price",
            "next": "order_addon",
            "on_error": {"*": "more"},
        },
        "order_addon": {
            "type": "choose",
            "prompt": _("Add email confirmation for %(order_addon_tokens)s tokens?"),
            "var": "order_addon",
            "choices": [
                {"value": "yes", "label": _("Yes, add it")},
                {"value": "no", "label": _("No, thanks")},
            ],
            "back": "order_package",
            "edit": True,
            "next": "order_quote",
        },
        "order_quote": {
            "type": "act",
            "action": "crm_order_quote",
            "next": "order_confirm",
            "on_error": {"*": "more"},
        },
        "order_confirm": {
            "type": "choose",
            "prompt": _("Place this order?"),
            "choices": [
                {"value": "confirm", "label": _("✅ Confirm"), "next": "order_place"},
                {"value": "cancel", "label": _("Cancel"), "next": "more"},
            ],
            "back": "order_addon",
            "edit": True,
        },
        "order_place": {
            "type": "act",
            "action": "crm_order_place",
            "next": "more",
            "on_error": {INSUFFICIENT_TOKENS: "topup_offer", "*": "more"},
        },
        "topup_offer": {
            "type": "choose",
            "prompt": _("Would you like to buy tokens?"),
            "choices": [
                {"value": "tokens", "label": _("🪙 Buy tokens"), "next": "tokens_entry"},
                {"value": "menu", "label": _("Main menu"), "next": "menu"},
            ],
            "edit": True,
        },
    }


def _tokens() -> dict[str, dict[str, Any]]:
    return {
        "tokens_entry": {"type": "act", "action": "crm_tokens_entry", "next": "tokens_pick"},
        "tokens_pick": {
            "type": "choose",
            "prompt": _("How many tokens would you like to buy?"),
            "choices_var": "tokens_options",
            "var": "tokens_amount",
            "page_size": 10,
            "next": "tokens_route",
        },
        "tokens_route": {
            "type": "branch",
            "cases": [
                {"if": {"var": "tokens_amount", "eq": "custom"}, "next": "tokens_custom"},
                {"if": {"var": "tokens_amount", "eq": "premium"}, "next": "premium"},
            ],
            "default": "tokens_buy",
        },
        "tokens_custom": {
            "type": "ask",
            "input": "number",
            "var": "tokens_amount",
            "validator": "crm_token_amount",
            "prompt": _("How many tokens? (%(tokens_min)s to %(tokens_max)s)"),
            "back": "tokens_pick",
            "next": "tokens_buy",
        },
        "tokens_buy": {
            "type": "act",
            "action": "crm_tokens_buy",
            "next": "more",
            "on_error": {"*": "more"},
        },
        "premium": {
            "type": "choose",
            "prompt": _(
                "Premium: %(premium_days)s days of subscriber prices and priority processing, "
                "for %(premium_tokens)s tokens or %(premium_price)s."
            ),
            "choices": [
                {"value": "tokens", "label": _("Pay with tokens"), "next": "premium_tokens"},
                {"value": "online", "label": _("Pay online"), "next": "premium_online"},
            ],
            "back": "tokens_pick",
            "edit": True,
        },
        "premium_tokens": {
            "type": "act",
            "action": "crm_premium_tokens",
            "next": "more",
            "on_error": {INSUFFICIENT_TOKENS: "topup_offer", "*": "more"},
        },
        "premium_online": {
            "type": "act",
            "action": "crm_premium_online",
            "next": "more",
            "on_error": {"*": "more"},
        },
    }


def _account() -> dict[str, dict[str, Any]]:
    return {
        "balance": {"type": "act", "action": "crm_balance", "next": "more"},
        "orders": {"type": "act", "action": "crm_orders", "next": "orders_menu"},
        "orders_menu": {
            "type": "choose",
            "prompt": _("Anything else?"),
            "choices": [
                {"value": "csv", "label": _("⬇️ Download CSV"), "next": "orders_csv"},
                {"value": "menu", "label": _("Main menu"), "next": "menu"},
            ],
        },
        "orders_csv": {"type": "act", "action": "crm_orders_csv", "next": "more"},
        "help": {"type": "act", "action": "crm_help", "next": "help_menu"},
        "help_menu": {
            "type": "choose",
            "prompt": _("Need a person?"),
            "choices": [
                {"value": "person", "label": _("💬 Talk to a person"), "next": "handoff"},
                {"value": "menu", "label": _("Main menu"), "next": "menu"},
            ],
        },
        "handoff": {
            "type": "handoff",
            "text": _("I have passed you to our team; a person will answer you here shortly."),
        },
    }


def crm_flow_definition() -> dict[str, Any]:
    """The CRM flow as the flow store keeps it (texts are lazy msgids: stored as English)."""
    return {
        "key": CRM_FLOW,
        "start": "route",
        "steps": {
            "route": {"type": "act", "action": "crm_route", "next": "menu"},
            "menu": {
                "type": "choose",
                "prompt": _("Welcome to %(business)s! What would you like to do?"),
                "choices": _menu_choices(),
            },
            "more": {
                "type": "choose",
                "prompt": _("What else can I do for you?"),
                "choices": _menu_choices(),
            },
            **_registration(),
            **_order(),
            **_tokens(),
            **_account(),
        },
    }
