"""The team's side of forms: the form's settings, marking a submission handled, deleting one,
and a customer's submissions in a data-subject export or erasure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import Actor
from kazan.activity.services import activity_record
from kazan.core.errors import NotFound, ValidationFailed
from kazan.tenancy.queries import team_members
from kazan.webforms import formdef
from kazan.webforms.error_codes import WebformsErrorCode
from kazan.webforms.models import FIELD_NAMES, FormMode, FormSettings, FormSubmission

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

LANGUAGES = frozenset(code for code, _name in django_settings.LANGUAGES)
URL_MAX = 500


def _invalid(message: Any) -> ValidationFailed:
    return ValidationFailed(message, code=WebformsErrorCode.INVALID_SETTINGS)


def _texts_clean(raw: object, limit: int) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _invalid(_("Expected one text per language."))
    clean = {}
    for code, text in raw.items():
        if code not in LANGUAGES:
            raise _invalid(_("Unknown language: %(code)s") % {"code": str(code)[:8]})
        if not isinstance(text, str):
            raise _invalid(_("Expected one text per language."))
        text = text.replace("\x00", "").strip()
        if len(text) > limit:
            raise _invalid(_("Each text may have at most %(max)d characters.") % {"max": limit})
        if text:
            clean[code] = text
    return clean


def _fields_clean(raw: object) -> dict[str, dict[str, bool]]:
    if not isinstance(raw, dict) or set(raw) - set(FIELD_NAMES):
        raise _invalid(_("Unknown form fields."))
    fields = formdef.fields_normalized(raw)
    if not any(fields[name]["enabled"] for name in ("email", "phone")):
        raise _invalid(
            _("The form needs an email address or a phone number field, so you can answer.")
        )
    return fields


def _url_clean(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError:
        raise _invalid(_("Enter the form's address, starting with https://.")) from None
    if len(url) > URL_MAX:
        raise _invalid(_("This address is too long."))
    return url


def form_settings_update(
    *,
    business: Business,
    actor: Actor,
    mode: str,
    fields: dict[str, Any],
    third_party_url: str = "",
    titles: dict[str, str] | None = None,
    intros: dict[str, str] | None = None,
    consent_texts: dict[str, str] | None = None,
    consent_enabled: bool = True,
    consent_required: bool = False,
    notify: bool = True,
    notify_member_ids: list[int] | None = None,
    actor_kind: str | None = None,
) -> FormSettings:
    """Save the business's contact form. Raises ValidationFailed for a form without any
    contact field, a third-party mode without an https address, texts in unknown languages or
    too long, or recipients who are not members of the business."""
    if mode not in FormMode.values:
        raise _invalid(_("Choose how visitors contact you."))
    clean_fields = _fields_clean(fields)
    url = _url_clean(third_party_url)
    if mode == FormMode.THIRD_PARTY and not url:
        raise _invalid(_("Enter the form's address, starting with https://."))
    member_ids = sorted(set(notify_member_ids or []))
    members = list(team_members(business=business).filter(pk__in=member_ids))
    if len(members) != len(member_ids):
        raise _invalid(_("Choose recipients among your team."))
    with transaction.atomic():
        form, _created = FormSettings.objects.select_for_update().get_or_create(business=business)
        form.mode = mode
        form.fields = clean_fields
        form.third_party_url = url
        form.titles = _texts_clean(titles, formdef.TITLE_MAX)
        form.intros = _texts_clean(intros, formdef.INTRO_MAX)
        form.consent_texts = _texts_clean(consent_texts, formdef.CONSENT_TEXT_MAX)
        form.consent_enabled = bool(consent_enabled)
        form.consent_required = bool(consent_enabled and consent_required)
        form.notify = bool(notify)
        form.save()
        form.notify_members.set(members)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="form.settings_updated",
            data={"mode": mode, "notify": form.notify},
        )
    return form


def _in_business(business: Business, submission: FormSubmission) -> FormSubmission:
    current = (
        FormSubmission.objects.select_for_update()
        .filter(business=business, pk=submission.pk)
        .first()
    )
    if current is None:
        raise NotFound(_("This form submission does not exist."))
    return current


def submission_mark_read(*, business: Business, submission: FormSubmission) -> None:
    """A new submission opened by the team becomes "read" (no log entry: it is noise)."""
    FormSubmission.objects.filter(
        business=business, pk=submission.pk, status=FormSubmission.Status.NEW
    ).update(status=FormSubmission.Status.READ)


def submission_mark_handled(
    *,
    business: Business,
    submission: FormSubmission,
    actor: Actor,
    handled: bool = True,
    actor_kind: str | None = None,
) -> FormSubmission:
    """Mark the submission handled (or open again, `handled=False`)."""
    with transaction.atomic():
        current = _in_business(business, submission)
        status = FormSubmission.Status.HANDLED if handled else FormSubmission.Status.READ
        if current.status != status:
            current.status = status
            current.handled_at = timezone.now() if handled else None
            current.save(update_fields=["status", "handled_at"])
            activity_record(
                business=business,
                actor=actor,
                actor_kind=actor_kind,
                action="form.handled" if handled else "form.reopened",
                target=current,
            )
    submission.status, submission.handled_at = current.status, current.handled_at
    return submission


def submission_delete(
    *,
    business: Business,
    submission: FormSubmission,
    actor: Actor,
    actor_kind: str | None = None,
) -> None:
    """Delete the submission for good (the customer it created stays)."""
    with transaction.atomic():
        current = _in_business(business, submission)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="form.deleted",
            data={"submission": current.pk, "channel": current.channel},
        )
        current.delete()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def submissions_export(business: Business, customer: Customer) -> list[dict[str, Any]]:
    """A customer's submissions, in full, for their data-subject export."""
    return [
        {
            "id": item.pk,
            "name": item.name,
            "email": item.email,
            "phone": item.phone,
            "message": item.message,
            "language": item.language,
            "channel": item.channel,
            "consent_given": item.consent_given,
            "consent_text": item.consent_text,
            "origin": item.origin,
            "status": item.status,
            "sent_at": _iso(item.created_at),
        }
        for item in FormSubmission.objects.filter(business=business, customer=customer).order_by(
            "created_at", "id"
        )
    ]


def submissions_erase(business: Business, customer: Customer) -> None:
    """Erasure deletes the customer's submissions: they are nothing but their personal data."""
    FormSubmission.objects.filter(business=business, customer=customer).delete()
