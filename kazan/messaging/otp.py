"""Phone verification by SMS one-time code, for the landing-page chat (and any other channel).

A code is 6 digits, valid OTP_TTL_SECONDS, dead after OTP_MAX_ATTEMPTS wrong tries, single-use,
and stored only as an HMAC (deployment secret + per-row salt). Sending is guarded against SMS
pumping: only mobile numbers of the business's allowed countries, a resend cooldown per number
(a conditional update on its throttle row), and fixed-window limits per phone, per IP and per
business (core.ratelimit: shared by all processes, atomic), all claimed in the send's
transaction so parallel requests cannot slip past them.
No number, code or IP appears in logs, activity or analytics data.
"""

import hashlib
import hmac
import logging
import re
import secrets
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_record
from kazan.core.crypto import blind_index
from kazan.core.db import insert_or_fetch
from kazan.core.errors import InsufficientCredits, RateLimited, ValidationFailed
from kazan.core.ratelimit import ratelimit_hit
from kazan.customers.phones import phone_is_mobile, phone_normalize
from kazan.messaging.error_codes import MessagingErrorCode
from kazan.messaging.models import OtpChallenge, OtpThrottle, Purpose
from kazan.messaging.services import sms_send

logger = logging.getLogger("kazan.messaging.otp")

CODE_DIGITS = 6
PHONE_SCOPE = "messaging.otp.phone"
IP_SCOPE = "messaging.otp.ip"


def _phone_index(e164: str) -> str:
    return blind_index(e164, scope=PHONE_SCOPE)


def _code_hash(code: str, salt: str) -> str:
    key = hashlib.sha256(f"otp:{settings.SECRET_KEY}:{salt}".encode()).digest()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def _code_new() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def otp_phone_check(*, business, phone: str) -> str:
    """The number in E.164 if it is a mobile of a country the business accepts; ValidationFailed
    otherwise (code "invalid_phone", "otp_country" or "otp_not_mobile"). Called where the chat
    asks for the number and again by otp_send, before anything is sent or counted."""
    e164 = phone_normalize(phone, region=business.country)
    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    allowed = [code.upper() for code in business.phone_countries]
    if region not in allowed:
        countries = ", ".join(
            f"{code} (+{phonenumbers.country_code_for_region(code)})" for code in allowed
        )
        raise ValidationFailed(
            _(
                "Sorry, we can only send codes to phone numbers from these countries: "
                "%(countries)s. Please use another number."
            )
            % {"countries": countries},
            code=MessagingErrorCode.OTP_COUNTRY,
        )
    if not phone_is_mobile(e164):
        # A landline, premium-rate or freephone number cannot read the code, and texting it
        # only spends the business's credits (SMS pumping).
        raise ValidationFailed(
            _(
                "Sorry, we can only send the code to a mobile number. Landlines and service "
                "numbers cannot receive it. Please enter your mobile number."
            ),
            code=MessagingErrorCode.OTP_NOT_MOBILE,
        )
    return e164


def _cooldown_claim(business, index: str, now) -> None:
    """Takes the number's resend slot at this business, or raises RateLimited ("otp_cooldown").

    A conditional UPDATE on the number's throttle row (an insert for its first code), so of any
    number of parallel requests exactly one wins: on PostgreSQL the others wait for the
    winner's row lock and then see its time; SQLite runs one writer at a time. Call inside the
    send's transaction, so a send that fails does not start a cooldown.
    """
    cooldown = timedelta(seconds=settings.OTP_RESEND_COOLDOWN_SECONDS)
    rows = OtpThrottle.objects.filter(business=business, phone_index=index)
    if not rows.exists():
        _row, inserted = insert_or_fetch(
            lambda: OtpThrottle.objects.create(business=business, phone_index=index, sent_at=now),
            rows.first,
        )
        if inserted:
            return
    if rows.filter(sent_at__lte=now - cooldown).update(sent_at=now):
        return
    # The winner's time; if the retention job has just dropped the row, the full cooldown.
    sent_at = rows.values_list("sent_at", flat=True).first() or now
    wait = (sent_at + cooldown - now).total_seconds()
    raise RateLimited(
        _("Please wait %(seconds)d seconds before asking for a new code.")
        % {"seconds": max(1, int(wait + 0.999))},
        code=MessagingErrorCode.OTP_COOLDOWN,
    )


def _limits_hit(business, index: str, ip: str) -> None:
    """Counts this send against each limit; the first exceeded one refuses it (RateLimited)."""
    too_many = _("Too many codes were requested. Please try again later.")
    try:
        ratelimit_hit(
            f"otp:phone:{index}", limit=settings.OTP_LIMIT_PER_PHONE_PER_DAY, window_seconds=86400
        )
        if ip:
            ratelimit_hit(
                f"otp:ip:{blind_index(ip, scope=IP_SCOPE)}",
                limit=settings.OTP_LIMIT_PER_IP_PER_HOUR,
                window_seconds=3600,
            )
        ratelimit_hit(
            f"otp:business:{business.pk}",
            limit=settings.OTP_LIMIT_PER_BUSINESS_PER_HOUR,
            window_seconds=3600,
        )
        ratelimit_hit(
            f"otp:business-day:{business.pk}",
            limit=settings.OTP_LIMIT_PER_BUSINESS_PER_DAY,
            window_seconds=86400,
        )
    except RateLimited:
        raise RateLimited(too_many, code=MessagingErrorCode.OTP_LIMIT) from None


def otp_send(
    *, business, phone_e164: str, ip: str = "", language: str = "", customer=None
) -> OtpChallenge:
    """Sends a new code to the number (SMS purpose OTP) and returns its challenge.

    Any earlier code for this number is superseded, so only the newest works. Raises
    ValidationFailed (bad number, country not allowed, not a mobile), RateLimited (code
    "otp_cooldown" while the resend cooldown runs, "otp_limit" past a per-phone/IP/business
    limit) and InsufficientCredits with a message meant for the customer, not the business.
    """
    phone = otp_phone_check(business=business, phone=phone_e164)
    index = _phone_index(phone)
    now = timezone.now()
    code = _code_new()
    salt = secrets.token_hex(16)
    minutes = max(1, settings.OTP_TTL_SECONDS // 60)
    with translation.override(language or business.language):
        body = gettext(
            "%(code)s is your %(business)s verification code. It is valid for %(minutes)d minutes."
        ) % {"code": code, "business": business.name, "minutes": minutes}
    try:
        # One transaction: the cooldown slot, the counted limits (on the database store), the
        # challenge and the outbox SMS commit together or not at all.
        with transaction.atomic():
            _cooldown_claim(business, index, now)
            _limits_hit(business, index, ip)
            OtpChallenge.objects.filter(
                business=business,
                phone_index=index,
                verified_at__isnull=True,
                superseded_at__isnull=True,
            ).update(superseded_at=now)
            challenge = OtpChallenge.objects.create(
                business=business,
                phone_index=index,
                salt=salt,
                code_hash=_code_hash(code, salt),
                expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
            )
            challenge.message = sms_send(
                business=business,
                to=phone,
                body=body,
                purpose=Purpose.OTP,
                customer=customer,
                idempotency_key=f"otp-{challenge.pk}-{salt[:8]}",
                actor_kind="customer",
            )
            challenge.save(update_fields=["message"])
            event_record(business=business, kind=EventKind.OTP_SENT, customer=customer)
            activity_record(
                business=business,
                actor=None,
                actor_kind="customer",
                action="otp.sent",
                target=challenge,
            )
    except InsufficientCredits:
        logger.warning("otp not sent: business %s has no SMS credits", business.pk)
        raise InsufficientCredits(
            _(
                "Sorry, we cannot send a text message right now. Please ask the staff for help "
                "or try again later."
            ),
            code=MessagingErrorCode.OTP_UNAVAILABLE,
        ) from None
    return challenge


def otp_verify(*, business, phone_e164: str, code: str) -> OtpChallenge:
    """Checks a code against the newest live challenge for the number; marks it used.

    Raises ValidationFailed with a code the caller can act on: "otp_format" (not 6 digits, not
    counted as an attempt), "otp_missing" (no live code: none sent, expired, superseded, used or
    out of attempts — ask for a new one) or "otp_wrong" (counted; the message says how many tries
    are left). A wrong try is counted by a conditional UPDATE, so parallel guesses cannot exceed
    the limit. The wrong try is committed with the caller's transaction before the error is
    raised, so callers must not roll back a savepoint around this call on ValidationFailed.
    """
    typed = "".join(ch for ch in str(code or "") if not ch.isspace())
    if len(typed) != CODE_DIGITS or not typed.isascii() or not typed.isdigit():
        raise ValidationFailed(
            _("Please enter the %(digits)d-digit code from the text message.")
            % {"digits": CODE_DIGITS},
            code=MessagingErrorCode.OTP_FORMAT,
        )
    phone = phone_normalize(phone_e164, region=business.country)
    index = _phone_index(phone)
    now = timezone.now()
    max_attempts = settings.OTP_MAX_ATTEMPTS
    with transaction.atomic():
        challenge = (
            OtpChallenge.objects.select_for_update()
            .filter(
                business=business,
                phone_index=index,
                verified_at__isnull=True,
                superseded_at__isnull=True,
                expires_at__gt=now,
                attempts__lt=max_attempts,
            )
            .first()
        )
        if challenge is None:
            raise ValidationFailed(
                _("This code is no longer valid. Please ask for a new code."),
                code=MessagingErrorCode.OTP_MISSING,
            )
        right = hmac.compare_digest(challenge.code_hash, _code_hash(typed, challenge.salt))
        # A conditional UPDATE: on SQLite select_for_update locks nothing, and two correct
        # submissions at once must still verify once.
        verified = right and bool(
            OtpChallenge.objects.filter(pk=challenge.pk, verified_at__isnull=True).update(
                verified_at=now
            )
        )
        if verified:
            challenge.verified_at = now
            event_record(business=business, kind=EventKind.OTP_VERIFIED)
            activity_record(
                business=business,
                actor=None,
                actor_kind="customer",
                action="otp.verified",
                target=challenge,
            )
        elif not right:
            OtpChallenge.objects.filter(pk=challenge.pk, attempts__lt=max_attempts).update(
                attempts=F("attempts") + 1
            )
    if right and not verified:  # the same code was just used by a concurrent request
        raise ValidationFailed(
            _("This code is no longer valid. Please ask for a new code."),
            code=MessagingErrorCode.OTP_MISSING,
        )
    # Raised after the block: the counted attempt must commit, not roll back with the error.
    if not right:
        left = max_attempts - challenge.attempts - 1
        if left <= 0:
            raise ValidationFailed(
                _("Wrong code, and no tries are left. Please ask for a new code."),
                code=MessagingErrorCode.OTP_MISSING,
            )
        raise ValidationFailed(
            _("This code is not right. Please try again (%(left)d tries left).") % {"left": left},
            code=MessagingErrorCode.OTP_WRONG,
        )
    return challenge


# --- retention ---------------------------------------------------------------------------------

CODE_IN_TEXT = re.compile(rf"\b\d{{{CODE_DIGITS}}}\b")
# Sent codes of visitors who never became customers: their number goes after this many days.
UNCLAIMED_NUMBER_DAYS = 30


def otp_retention_apply(*, now=None) -> int:
    """Once a code can no longer be used, nothing needs it: the code is blanked in the sent
    SMS's text, spent challenges are deleted, and the number of an OTP SMS that never led to a
    customer is removed after UNCLAIMED_NUMBER_DAYS. Returns how many messages changed."""
    from kazan.messaging.models import OutboundMessage, Status

    now = now or timezone.now()
    expired = now - timedelta(seconds=settings.OTP_TTL_SECONDS)
    OtpChallenge.objects.filter(expires_at__lt=now).delete()
    # A throttle row matters while its cooldown runs; it goes with the number's last code.
    kept = max(settings.OTP_RESEND_COOLDOWN_SECONDS, settings.OTP_TTL_SECONDS)
    OtpThrottle.objects.filter(sent_at__lt=now - timedelta(seconds=kept)).delete()
    changed = 0
    done = OutboundMessage.objects.filter(
        purpose=Purpose.OTP,
        status__in=[Status.SENT, Status.DELIVERED, Status.FAILED],
        created_at__lt=expired,
    )
    with_code = done.filter(body__regex=rf"[0-9]{{{CODE_DIGITS}}}").only("pk", "body")
    for message in with_code[:5000]:
        body = CODE_IN_TEXT.sub("••••••", message.body)
        changed += OutboundMessage.objects.filter(pk=message.pk).update(body=body)
    unclaimed = done.filter(
        customer__isnull=True, created_at__lt=now - timedelta(days=UNCLAIMED_NUMBER_DAYS)
    ).exclude(to_index="")
    changed += unclaimed.update(to="", to_index="")
    return changed
