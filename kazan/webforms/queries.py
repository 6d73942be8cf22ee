"""Reads of the webforms app, each scoped to one business."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kazan.core.crypto import blind_index
from kazan.core.errors import NotFound
from kazan.customers.emails import email_index_for
from kazan.webforms.models import FormSettings, FormSubmission

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

NAME_INDEX_SCOPE = "webforms.name"


def name_index_for(name: str) -> str:
    """Blind index of a case-folded name with single spaces ("" for no name)."""
    folded = " ".join((name or "").split()).casefold()
    return blind_index(folded, scope=NAME_INDEX_SCOPE) if folded else ""


def form_settings_get(*, business: Business) -> FormSettings:
    """The business's form settings; the defaults (unsaved) when it never changed them."""
    found = FormSettings.objects.filter(business=business).first()
    return found if found is not None else FormSettings(business=business)


def form_notify_member_ids(*, settings: FormSettings) -> list[int]:
    if settings.pk is None:
        return []
    return list(settings.notify_members.values_list("pk", flat=True))


def submissions_list(
    *,
    business: Business,
    search: str = "",
    status: str = "",
    channel: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[FormSubmission]:
    """The business's submissions, newest first. `search` is an exact name or email address
    (found by their blind indexes: the text itself is encrypted); `since`/`until` bound the
    time sent, [since, until)."""
    submissions = FormSubmission.objects.filter(business=business)
    text = (search or "").strip()
    if text:
        condition = Q(name_index=name_index_for(text))
        if "@" in text:
            condition |= Q(email_index=email_index_for(text.lower()))
        submissions = submissions.filter(condition)
    if status:
        submissions = submissions.filter(status=status)
    if channel:
        submissions = submissions.filter(channel=channel)
    if since is not None:
        submissions = submissions.filter(created_at__gte=since)
    if until is not None:
        submissions = submissions.filter(created_at__lt=until)
    return submissions.select_related("customer").order_by("-created_at", "-id")


def submission_get(*, business: Business, submission_id: int | str) -> FormSubmission:
    """One of the business's submissions, or NotFound (also for another business's id)."""
    try:
        pk = int(str(submission_id))
    except (TypeError, ValueError):
        raise NotFound() from None
    found = (
        FormSubmission.objects.filter(business=business, pk=pk).select_related("customer").first()
    )
    if found is None:
        raise NotFound(_("This form submission does not exist."))
    return found


def submissions_for_customer(*, business: Business, customer: Customer) -> QuerySet[FormSubmission]:
    return FormSubmission.objects.filter(business=business, customer=customer).order_by(
        "created_at", "id"
    )


def submissions_new_count(*, business: Business) -> int:
    return FormSubmission.objects.filter(
        business=business, status=FormSubmission.Status.NEW
    ).count()
