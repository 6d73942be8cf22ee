"""Forms API (/api/v1/forms): the contact form for a website's own page (X-Client-ID, the
publishable id: its fields and texts, and sending it) and the team's submissions (API key or
session). Another business's ids are 404; phones and emails are masked in answers."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import ConfigDict

from kazan.core.api import ErrorOut, Pagination, Timestamp, errors, responses
from kazan.core.http import client_ip
from kazan.core.schemas import InputSchema
from kazan.customers.normalize import language_normalize
from kazan.tenancy.api_auth import ClientKeyAuth, api_require, tenant_auth
from kazan.webforms import formdef, queries, services
from kazan.webforms.models import FormMode, FormSubmission

router = Router(tags=["forms"])
PERMISSION = "customers.view"


class FormFieldOut(Schema):
    name: str = Field(examples=["email"])
    label: str
    type: str = Field(description="text, email, tel or textarea")
    required: bool
    autocomplete: str


class ConsentOut(Schema):
    text: str
    required: bool


class FormSettingsOut(Schema):
    mode: str = Field(description="built_in, or third_party (then post nothing: link to `url`)")
    url: str = Field(description="Where the form is: the hosted page, or the third-party form.")
    language: str
    title: str
    intro: str
    fields: list[FormFieldOut]
    consent: ConsentOut | None
    submit: str


class LanguageQuery(InputSchema):
    language: str = Field("", max_length=16, description="e.g. de; default: the business's")


class SubmissionIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field("", max_length=formdef.NAME_MAX)
    email: str = Field("", max_length=formdef.EMAIL_MAX)
    phone: str = Field("", max_length=formdef.PHONE_MAX)
    message: str = Field("", max_length=formdef.MESSAGE_MAX)
    consent: bool = Field(False, description="The visitor ticked the consent box shown.")
    language: str = Field("", max_length=16, description="The language the form was shown in.")
    origin: str = Field("", max_length=200, description="The page the form was on.")


class SubmittedOut(Schema):
    id: int
    message: str


class SubmissionOut(Schema):
    id: int
    name: str
    email_masked: str
    phone_masked: str
    message: str
    language: str
    channel: str
    status: str
    consent_given: bool
    customer_id: int | None
    conversation_id: int | None
    origin: str
    created_at: dt.datetime


class SubmissionFilters(InputSchema):
    q: str = Field("", max_length=254, description="An exact name or email address.")
    status: FormSubmission.Status | None = None
    channel: FormSubmission.Channel | None = None
    since: Timestamp | None = Field(None, description="Sent at or after.")
    until: Timestamp | None = Field(None, description="Sent before.")


def _client_business(request):
    """The business the publishable id named (ClientKeyAuth's principal)."""
    return request.auth.business


def _language(business: Any, raw: str) -> str:
    return language_normalize(raw, strict=False) or business.language


@router.get(
    "/settings",
    auth=ClientKeyAuth(),
    response={200: FormSettingsOut, **errors(401, 422)},
    summary="The contact form: fields, labels and consent text (X-Client-ID)",
)
def forms_settings(request: HttpRequest, query: Query[LanguageQuery]):
    business = _client_business(request)
    form = queries.form_settings_get(business=business)
    language = _language(business, query.language)
    with translation.override(language):
        reply = formdef.form_reply(form, business, language)
        third_party = form.mode == FormMode.THIRD_PARTY
        return FormSettingsOut(
            mode=form.mode,
            url=form.third_party_url if third_party else formdef.hosted_form_url(business),
            language=language,
            title=reply["title"],
            intro=reply.get("intro", ""),
            fields=reply["fields"],
            consent=reply["consent"],
            submit=reply["submit"],
        )


@router.post(
    "/submissions",
    auth=ClientKeyAuth(),
    response={201: SubmittedOut, **errors(401, 409, 422, 429)},
    summary="Send the contact form (X-Client-ID)",
    description=(
        "422 `invalid_submission` lists each field's mistake in `errors` "
        '(`[{"loc": ["body", "email"], "msg": ...}]`), in the form\'s language; '
        "409 `form_unavailable` when the business uses a form on another website. "
        "Rate-limited per visitor address and per business (429)."
    ),
)
def forms_submit(request: HttpRequest, payload: SubmissionIn):
    business = _client_business(request)
    ip = client_ip(request)
    services.form_ratelimit(business=business, ip=ip)
    language = _language(business, payload.language)
    try:
        submission = services.form_submit(
            business=business,
            data=payload.dict(exclude={"language", "origin"}),
            channel=FormSubmission.Channel.API,
            language=language,
            origin=payload.origin,
            ip=ip,
            user_agent=request.headers.get("User-Agent", ""),
        )
    except services.FormInvalid as invalid:
        with translation.override(language):
            return Status(422, _field_errors(invalid))
    with translation.override(language):
        return Status(201, SubmittedOut(id=submission.pk, message=str(formdef.THANKS)))


def _field_errors(invalid: services.FormInvalid) -> ErrorOut:
    """The API's 422 shape: one entry per field, like a schema error's."""
    return ErrorOut(
        code=str(invalid.code),
        message=str(invalid.message),
        errors=[
            {"loc": ["body", field], "msg": message, "type": str(invalid.code)}
            for field, message in invalid.errors.items()
        ],
    )


@router.get(
    "/submissions",
    auth=tenant_auth,
    response=responses(list[SubmissionOut], 422),
    summary="List contact form submissions",
)
@paginate(Pagination)
def forms_submissions(request: HttpRequest, filters: Query[SubmissionFilters]):
    business = api_require(request, PERMISSION)
    return queries.submissions_list(
        business=business,
        search=filters.q,
        status=filters.status or "",
        channel=filters.channel or "",
        since=filters.since,
        until=filters.until,
    )


@router.get(
    "/submissions/{int:submission_id}",
    auth=tenant_auth,
    response=responses(SubmissionOut, 404),
    summary="One contact form submission",
)
def forms_submission(request: HttpRequest, submission_id: int):
    business = api_require(request, PERMISSION)
    return queries.submission_get(business=business, submission_id=submission_id)
