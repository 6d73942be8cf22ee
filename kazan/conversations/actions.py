"""The actions and validators flows name, each a thin call into another app's services.

Personal data in a conversation's state is kept only as long as the flow needs it: the phone
number leaves the state once the customer is registered (the customer record holds it).
"""

import contextlib
from typing import TYPE_CHECKING

import segno
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_record
from kazan.conversations.engine import (
    ActionResult,
    Context,
    Reply,
    Step,
    action,
    display,
    reply_text,
    validator,
)
from kazan.conversations.error_codes import ConversationsErrorCode
from kazan.conversations.models import Conversation
from kazan.core.crypto import decrypt, encrypt
from kazan.core.errors import Conflict, InsufficientCredits, NotFound, ValidationFailed
from kazan.core.masking import phone_mask
from kazan.customers.normalize import name_normalize
from kazan.customers.queries import SMS as SMS_MARKETING
from kazan.customers.queries import consent_wording_by_id, consent_wording_current
from kazan.customers.services import customer_register, identity_attach
from kazan.loyalty.services import review_submit, voucher_welcome_issue
from kazan.messaging.models import Purpose
from kazan.messaging.otp import otp_phone_check, otp_send, otp_verify
from kazan.messaging.services import sms_send

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.loyalty.models import Voucher
    from kazan.tenancy.models import Business

COMMENT_MAX = 2000
# Links a business may set, in the order they are shown; "google" is the review link.
SOCIAL_NETWORKS = {
    "website": ("website_url", _("Website")),
    "instagram": ("instagram_url", "Instagram"),
    "facebook": ("facebook_url", "Facebook"),
    "tiktok": ("tiktok_url", "TikTok"),
}


# --- validators ---------------------------------------------------------------------------------


@validator("name")
def _name(ctx: Context, raw: object, step: Step) -> str:
    name = name_normalize(str(raw or ""))
    if not name:
        raise ValidationFailed(
            _("Please tell us your name."), code=ConversationsErrorCode.INVALID_NAME
        )
    return name


PHONE_CONTEXT = "conversations.state.phone"


@validator("phone")
def _phone(ctx: Context, raw: object, step: Step) -> str:
    """The number, checked, kept encrypted in the state (phones are encrypted at rest) until
    the customer is registered."""
    return encrypt(
        otp_phone_check(business=ctx.business, phone=str(raw or "")), context=PHONE_CONTEXT
    )


def _phone_of(ctx: Context) -> str:
    token = ctx.state.get("phone")
    return decrypt(token, context=PHONE_CONTEXT) if token else ""


@validator("consent")
def _consent(ctx: Context, raw: object, step: Step) -> bool:
    # Only an explicit tick is consent; anything else (absent, "", false, junk) is a no.
    return raw is True or (isinstance(raw, str) and raw.strip().lower() in {"true", "yes", "1"})


@validator("otp")
def _otp(ctx: Context, raw: object, step: Step) -> bool:
    phone = _phone_of(ctx)
    if not phone:
        raise ValidationFailed(_("Please enter your mobile number first."))
    otp_verify(business=ctx.business, phone_e164=phone, code=str(raw or ""))
    ctx.state["verified"] = True
    return True


@validator("rating")
def _rating(ctx: Context, raw: object, step: Step) -> int:
    text = str(raw).strip() if raw is not None and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= int(step.get("max", 5)):
        raise ValidationFailed(
            _("Please choose 1 to 5 stars."), code=ConversationsErrorCode.INVALID_RATING
        )
    return int(text)


@validator("comment")
def _comment(ctx: Context, raw: object, step: Step) -> str:
    text = str(raw or "").replace("\x00", "").strip()
    if len(text) > COMMENT_MAX:
        raise ValidationFailed(
            _("Please keep it under %(max)d characters.") % {"max": COMMENT_MAX},
            code=ConversationsErrorCode.TOO_LONG,
        )
    return text


@validator("text")
def _text(ctx: Context, raw: object, step: Step) -> str:
    text = str(raw or "").replace("\x00", "").strip()[:COMMENT_MAX]
    if not text and not step.get("optional"):
        raise ValidationFailed(_("Please write something."))
    return text


display("phone", lambda token: phone_mask(decrypt(token, context=PHONE_CONTEXT)))
display("otp", lambda value: "••••••")
display("rating", lambda value: "★" * int(value) + "☆" * (5 - int(value)))
display("consent", lambda value: str(_("Yes, send me offers")) if value else str(_("No offers")))


# --- actions ------------------------------------------------------------------------------------


@action("data_entered")
def _data_entered(ctx: Context, step: Step) -> None:
    if not ctx.state.get("data_entered"):
        event_record(business=ctx.business, kind=EventKind.DATA_ENTERED)
        ctx.state["data_entered"] = True


@action("consent_prepare")
def _consent_prepare(ctx: Context, step: Step) -> ActionResult | None:
    """Remembers which wording is shown, so the ledger records the text the person saw."""
    wording = None
    for language in dict.fromkeys((ctx.language, "en")):
        try:
            wording = consent_wording_current(purpose=SMS_MARKETING, language=language)
            break
        except NotFound:
            continue
    if wording is None:
        # No wording at all: no box to tick, so no choice can be lost.
        ctx.state.pop("consent_wording", None)
        ctx.state.pop("consent_text", None)
        return None
    ctx.state["consent_wording"] = wording.pk
    ctx.state["consent_text"] = wording.text
    return None


@action("otp_send")
def _otp_send(ctx: Context, step: Step) -> ActionResult:
    phone = _phone_of(ctx)
    if not phone:
        raise ValidationFailed(
            _("Please enter your mobile number first."), code=ConversationsErrorCode.INVALID_PHONE
        )
    meta = ctx.inbound.meta if ctx.inbound else {}
    otp_send(
        business=ctx.business,
        phone_e164=phone,
        ip=meta.get("ip", ""),
        language=ctx.language,
    )
    return ActionResult(
        [
            {
                "type": "text",
                "text": gettext("We sent a 6-digit code to %(phone)s.")
                % {"phone": phone_mask(phone)},
            }
        ]
    )


@action("customer_register")
def _customer_register(ctx: Context, step: Step) -> None:
    """After the phone is verified: the customer record, and the consent only if ticked."""
    if not ctx.state.get("verified"):
        raise ValidationFailed(_("Please confirm your number first."))
    wording = None
    if ctx.state.get("consent") and ctx.state.get("consent_wording"):
        wording = consent_wording_by_id(wording_id=ctx.state["consent_wording"])
    meta = ctx.inbound.meta if ctx.inbound else {}
    customer, created = customer_register(
        business=ctx.business,
        phone=_phone_of(ctx),
        name=ctx.state.get("name", ""),
        language=ctx.language,
        channel=ctx.channel,
        wording=wording,
        phone_verified=True,
        ip=meta.get("ip", ""),
        user_agent=meta.get("user_agent", ""),
        actor_kind="customer",
    )
    conversation: Conversation = ctx.conversation
    conversation.customer = customer
    if conversation.identity is not None:
        # The thread's channel handle is this person's from now on (their export, erasure);
        # a handle someone else registered before (a shared phone's browser) stays theirs.
        with contextlib.suppress(Conflict):
            identity_attach(
                business=ctx.business,
                customer=customer,
                channel=conversation.identity.channel,
                external_id=conversation.identity.external_id,
                actor_kind="customer",
            )
    ctx.state["returning"] = not created
    # The customer record holds the number now; the conversation need not.
    ctx.state.pop("phone", None)
    ctx.state.pop("consent_text", None)


def _registered_customer(ctx: Context) -> "Customer":
    """The thread's customer; the funnel registers one before it reviews or rewards, but a
    business's own flow may not have."""
    customer = ctx.conversation.customer
    if customer is None:
        raise ValidationFailed(_("Please confirm your number first."))
    return customer


@action("review_submit")
def _review_submit(ctx: Context, step: Step) -> None:
    review_submit(
        business=ctx.business,
        customer=_registered_customer(ctx),
        rating=int(ctx.state["rating"]),
        comment=ctx.state.get("comment", ""),
        channel=ctx.channel,
    )
    ctx.state.pop("comment", None)


@action("google_review_invite")
def _google_review_invite(ctx: Context, step: Step) -> ActionResult | None:
    """Offered to every customer, whatever their rating: no review gating."""
    url = ctx.business.google_review_url
    if not url:
        return None
    return ActionResult(
        [
            {
                "type": "text",
                "text": gettext(
                    "Thank you! If you like, you can also share your experience on Google."
                ),
            },
            {
                "type": "links",
                "links": [
                    {
                        "target": "google",
                        "label": gettext("Write a Google review"),
                        "url": url,
                    }
                ],
            },
        ]
    )


def voucher_reply(voucher: "Voucher") -> Reply:
    """A voucher as a reply: code, what it gives, until when, and a QR of the code."""
    expires = timezone.localtime(voucher.expires_at)
    return {
        "type": "voucher",
        "code": voucher.code,
        "discount": voucher.discount_text,
        "expires": formats.date_format(expires, "SHORT_DATE_FORMAT"),
        "title": gettext("Your welcome gift"),
        "expires_label": gettext("Valid until %(date)s")
        % {"date": formats.date_format(expires, "SHORT_DATE_FORMAT")},
        "qr": segno.make(voucher.code, error="m").svg_data_uri(scale=5, border=2),
        "qr_alt": gettext("QR code of your voucher %(code)s") % {"code": voucher.code},
    }


def _voucher_sms(ctx: Context, voucher: "Voucher", phone_customer: "Customer") -> None:
    """The voucher also by SMS (purpose transactional). Without credits it is still shown on
    screen, so a failed SMS must not cost the customer their gift."""
    with translation.override(ctx.language):
        body = gettext(
            "%(business)s: your welcome gift %(discount)s. Code %(code)s, valid until %(date)s."
        ) % {
            "business": ctx.business.name,
            "discount": voucher.discount_text,
            "code": voucher.code,
            "date": formats.date_format(
                timezone.localtime(voucher.expires_at), "SHORT_DATE_FORMAT"
            ),
        }
    try:
        with transaction.atomic():
            sms_send(
                business=ctx.business,
                to=phone_customer.phone_e164,
                body=body,
                purpose=Purpose.TRANSACTIONAL,
                customer=phone_customer,
                idempotency_key=f"voucher-{voucher.pk}",
                actor_kind="system",
            )
    except (InsufficientCredits, ValidationFailed):
        pass


@action("voucher_welcome")
def _voucher_welcome(ctx: Context, step: Step) -> ActionResult:
    """Rewards the visit and the feedback; nothing here knows about a Google review."""
    customer = _registered_customer(ctx)
    voucher, issued_now = voucher_welcome_issue(business=ctx.business, customer=customer)
    if issued_now:
        _voucher_sms(ctx, voucher, customer)
        text = gettext(
            "Thank you for your feedback! Here is your welcome gift. Show this code "
            "at the counter; we also sent it to you by SMS."
        )
    elif voucher.redeemed_at is None and voucher.expires_at > timezone.now():
        text = gettext(
            "Thank you for your feedback! You already have a welcome gift — here it is again."
        )
    else:
        # Received on an earlier visit and since used or expired: no gift to show.
        return ActionResult(
            [
                reply_text(
                    gettext(
                        "Thank you for your feedback! You received your welcome gift on an "
                        "earlier visit, so there is no new one this time."
                    )
                )
            ]
        )
    return ActionResult([reply_text(text), voucher_reply(voucher)])


def social_links(business: "Business") -> list[dict[str, str]]:
    """Only the links the business has set."""
    links = []
    for network, (attribute, label) in SOCIAL_NETWORKS.items():
        url = getattr(business, attribute, "")
        if url:
            links.append({"target": network, "label": str(label), "url": url})
    return links


@action("thanks")
def _thanks(ctx: Context, step: Step) -> ActionResult:
    text = ctx.business.chat_text("thank_you_texts", ctx.language) or gettext(
        "Thank you, %(name)s! See you soon."
    ) % {"name": ctx.state.get("name", "")}
    replies: list[Reply] = [reply_text(text)]
    links = social_links(ctx.business)
    if links:
        replies.append(
            {"type": "text", "text": gettext("Follow us to hear about news and offers:")}
        )
        replies.append({"type": "links", "links": links})
    return ActionResult(replies)
