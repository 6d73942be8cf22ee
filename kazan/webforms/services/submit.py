"""A visitor sends the contact form: the input is checked against the business's form, the
submission is stored (contact details encrypted), the customer found by email or phone (or
created: the customer database grows from forms), consent recorded with the exact text shown
— only when the box was ticked — counted, logged, and the team told by email when it asked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_count
from kazan.core.crypto import blind_index
from kazan.core.errors import Conflict, ValidationFailed
from kazan.core.mail import email_text_queue
from kazan.core.ratelimit import ratelimit_hit
from kazan.customers.emails import email_index_for, email_normalize
from kazan.customers.normalize import language_normalize, name_normalize
from kazan.customers.phones import phone_index_for, phone_normalize
from kazan.customers.services import (
    consent_grant,
    consent_wording_for_text,
    customer_get_or_create_by_contact,
)
from kazan.tenancy.queries import owner_emails, team_members
from kazan.webforms import formdef
from kazan.webforms.error_codes import WebformsErrorCode
from kazan.webforms.models import FormMode, FormSettings, FormSubmission
from kazan.webforms.queries import form_settings_get, name_index_for

if TYPE_CHECKING:
    from kazan.conversations.models import Conversation
    from kazan.tenancy.models import Business

CHANNELS = frozenset(FormSubmission.Channel.values)
ORIGIN_MAX = 200
_TRUE = frozenset({"1", "true", "on", "yes"})
# Forms outside the chat (the API, the hosted page): per visitor's address, and per business
# (a flood from many addresses must not bury a small business's inbox and mailbox).
LIMIT_PER_IP = (10, 600)
LIMIT_PER_BUSINESS = (300, 3600)


class FormInvalid(ValidationFailed):
    """The form has mistakes: `errors` maps each field (or "consent") to what is wrong, in the
    submitter's language."""

    status = 422

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(
            _("Please correct the marked fields."), code=WebformsErrorCode.INVALID_SUBMISSION
        )
        self.errors = errors


def _ticked(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in _TRUE


def _text(data: Mapping[str, Any], name: str) -> str | None:
    """The field's text ("" when absent); None when it is not text at all."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        return None
    return str(value).replace("\x00", "").strip()


def _cleaned(
    business: Business, form: FormSettings, data: Mapping[str, Any]
) -> tuple[dict[str, str], bool, dict[str, str]]:
    """(values of the enabled fields, consent ticked, errors); messages in the active language."""
    fields = formdef.fields_normalized(form.fields)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in formdef.enabled_fields(form):
        text = _text(data, name)
        if text is None:
            errors[name] = gettext("Please enter text here.")
            continue
        values[name] = text
        if not text:
            if fields[name]["required"]:
                errors[name] = gettext("Please fill in this field.")
            continue
        try:
            if name == "name":
                values[name] = name_normalize(text)
            elif name == "email":
                values[name] = email_normalize(text)
            elif name == "phone":
                values[name] = phone_normalize(text, region=business.country)
            elif len(text) > formdef.MESSAGE_MAX:
                errors[name] = gettext("Please write at most %(max)d characters.") % {
                    "max": formdef.MESSAGE_MAX
                }
        except ValidationFailed as error:
            errors[name] = str(error.message)
    contacts = [name for name in ("email", "phone") if name in values]
    if (
        contacts
        and not any(values[name] for name in contacts)
        and not errors.keys()
        & {
            "email",
            "phone",
        }
    ):
        errors[contacts[0]] = gettext(
            "Please give an email address or a phone number, so that we can answer you."
        )
    consent = bool(form.consent_enabled) and _ticked(data.get("consent"))
    if form.consent_enabled and form.consent_required and not consent:
        errors["consent"] = gettext("Please tick the box to agree.")
    return values, consent, errors


def form_ratelimit(*, business: Business, ip: str) -> None:
    """Count one form sent from `ip` to `business`; RateLimited past either limit."""
    ip_key = blind_index(ip or "-", scope="webforms.ip")
    ratelimit_hit(
        f"webforms:ip:{business.pk}:{ip_key}",
        limit=LIMIT_PER_IP[0],
        window_seconds=LIMIT_PER_IP[1],
    )
    ratelimit_hit(
        f"webforms:business:{business.pk}",
        limit=LIMIT_PER_BUSINESS[0],
        window_seconds=LIMIT_PER_BUSINESS[1],
    )


def form_submit(
    *,
    business: Business,
    data: Mapping[str, Any],
    channel: str,
    language: str,
    conversation: Conversation | None = None,
    origin: str = "",
    ip: str = "",
    user_agent: str = "",
) -> FormSubmission:
    """Store a contact form sent through `channel` (widget, web, api) in `language`.

    Raises FormInvalid (per-field messages in that language) for mistakes, Conflict when the
    business uses a form on another website instead. The notification email leaves after the
    commit through the retried mail task, never inline."""
    if channel not in CHANNELS:
        raise ValidationFailed(_("Unknown channel."), code=WebformsErrorCode.INVALID_SUBMISSION)
    form = form_settings_get(business=business)
    if form.mode != FormMode.BUILT_IN:
        raise Conflict(
            _("This business takes messages through a form on its own website."),
            code=WebformsErrorCode.FORM_UNAVAILABLE,
        )
    language = language_normalize(language, strict=False) or business.language
    with translation.override(language):
        values, consent, errors = _cleaned(business, form, data)
        if errors:
            raise FormInvalid(errors)
        shown = formdef.consent_text(form, business, language)
    email, phone, name = values.get("email", ""), values.get("phone", ""), values.get("name", "")
    with transaction.atomic():
        customer, _created = customer_get_or_create_by_contact(
            business=business,
            email=email,
            phone=phone,
            name=name,
            language=language,
            channel=channel,
        )
        submission = FormSubmission.objects.create(
            business=business,
            customer=customer,
            name=name,
            name_index=name_index_for(name),
            email=email,
            email_index=email_index_for(email) if email else "",
            phone=phone,
            phone_index=phone_index_for(phone) if phone else "",
            message=values.get("message", ""),
            language=language,
            channel=channel,
            conversation_id=conversation.pk if conversation is not None else None,
            consent_given=consent,
            consent_text=shown if consent else "",
            origin=(origin or "")[:ORIGIN_MAX],
        )
        if consent:
            _consent_record(
                business, customer, shown, language, channel, email, phone, ip, user_agent
            )
        event_count(business=business, kind=EventKind.FORM_SUBMITTED)
        activity_record(
            business=business,
            actor=None,
            actor_kind="customer",
            action="form.submitted",
            target=submission,
            data={"channel": channel, "consent": consent},
        )
        if form.notify:
            submission_id = submission.pk
            transaction.on_commit(lambda: _notification_queue(business, form, submission_id))
    return submission


def _consent_record(
    business: Business,
    customer: Any,
    text: str,
    language: str,
    channel: str,
    email: str,
    phone: str,
    ip: str,
    user_agent: str,
) -> None:
    """The box's text, for each channel the person gave a contact on, in the ledger."""
    purposes = [p for p, given in (("email_marketing", email), ("sms_marketing", phone)) if given]
    for purpose in purposes:
        consent_grant(
            business=business,
            customer=customer,
            purpose=purpose,
            channel=channel,
            wording=consent_wording_for_text(purpose=purpose, language=language, text=text),
            ip=ip,
            user_agent=user_agent,
        )


def notification_recipients(*, business: Business, form: FormSettings) -> list[str]:
    """The chosen team members' addresses (active users only), else the owners'."""
    if form.pk is not None:
        chosen = form.notify_members.all().values_list("pk", flat=True)
        emails = [
            m.user.email
            for m in team_members(business=business).filter(
                pk__in=list(chosen), user__is_active=True
            )
            if m.user.email
        ]
        if emails:
            return emails
    return owner_emails(business=business)


def _notification_queue(business: Business, form: FormSettings, submission_id: int) -> None:
    """After commit: one email in the business's language with what the visitor sent."""
    submission = FormSubmission.objects.filter(business=business, pk=submission_id).first()
    recipients = notification_recipients(business=business, form=form)
    if submission is None or not recipients:
        return
    with translation.override(business.language):
        subject = gettext("New message from your contact form: %(business)s") % {
            "business": business.name
        }
        body = render_to_string(
            "webforms/email/submission.txt",
            {
                "business_name": business.name,
                "submission": submission,
                "channel": submission.get_channel_display(),
                "detail_url": django_settings.PUBLIC_URL
                + reverse("forms:detail", args=[submission.pk]),
            },
        )
    email_text_queue(subject, body, recipients)
