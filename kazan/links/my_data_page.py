"""The "my data" page of a secure link (purpose my_data; GDPR art. 15-17 and 20 from the
customer's side): everything the business holds about them (the customers' data-subject export,
which gathers every app's section), a form to correct name, email, address and language, a JSON
download, and erasure after a confirmation step, which uses the link up."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from kazan.core.errors import KazanError
from kazan.customers.addresses import customer_address
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.queries import consent_purpose_labels
from kazan.customers.services import customer_erase, customer_export
from kazan.customers.services.registration import customer_self_update
from kazan.links.errors import LinksError
from kazan.links.forms import MyDataForm
from kazan.links.models import Purpose, SecureLink
from kazan.links.pages import page_render, with_page_headers
from kazan.links.purposes import purpose_page_register
from kazan.links.registration_page import ERROR_FIELDS
from kazan.links.services import secure_link_consume

# The export's own keys shown as the profile and consents; the rest are the apps' sections.
_OWN_KEYS = {"format", "exported_at", "business", "profile", "identities", "consents"}
MY_DATA_ERROR_FIELDS = ERROR_FIELDS | {CustomersErrorCode.INVALID_NAME: "name"}


def _export(link: SecureLink) -> dict[str, Any]:
    return customer_export(
        business=link.business, customer=link.customer, actor=None, actor_kind="customer"
    )


def _sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The other apps' sections, as indented JSON text (escaped by the template)."""
    return [
        {
            "name": name,
            "empty": not value,
            "text": json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        }
        for name, value in data.items()
        if name not in _OWN_KEYS
    ]


def _consents(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The current state of each purpose the ledger has a record of (latest record wins)."""
    labels = consent_purpose_labels()
    latest: dict[str, dict[str, Any]] = {}
    for record in data["consents"]:  # oldest first
        latest[record["purpose"]] = record
    return [
        {"label": labels.get(purpose, purpose), "granted": record["granted"], **record}
        for purpose, record in latest.items()
    ]


def _initial(link: SecureLink) -> dict[str, str]:
    customer = link.customer
    return {
        "name": customer.name,
        "email": customer.email,
        "language": customer.language or link.business.language,
        **customer_address(customer),
    }


def _download(link: SecureLink) -> HttpResponse:
    response = JsonResponse(
        _export(link),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return with_page_headers(response)


def _erase(request: HttpRequest, link: SecureLink) -> HttpResponse:
    if request.POST.get("confirm") != "on":
        return page_render(
            request,
            "links/my_data_erase.html",
            {"confirm_error": request.POST.get("step") == "confirm"},
            link=link,
            status=422 if request.POST.get("step") == "confirm" else 200,
        )
    with transaction.atomic():
        secure_link_consume(link=link)
        customer_erase(
            business=link.business, customer=link.customer, actor=None, actor_kind="customer"
        )
    return page_render(request, "links/my_data_erased.html", {}, link=None, business=link.business)


def my_data_view(request: HttpRequest, link: SecureLink) -> HttpResponse:
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "download":
        return _download(link)
    if action == "erase":
        return _erase(request, link)
    form = MyDataForm(data=request.POST if action == "update" else None, initial=_initial(link))
    status = 200
    if action == "update":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                customer_self_update(
                    business=link.business,
                    customer=link.customer,
                    name=data["name"],
                    email=data["email"],
                    address=data["address"],
                    language=data["language"],
                )
            except LinksError:
                raise
            except KazanError as failure:
                form.add_error(MY_DATA_ERROR_FIELDS.get(str(failure.code)), str(failure.message))
            else:
                return with_page_headers(redirect(f"{request.path}?saved=1"))
    data = _export(link)
    return page_render(
        request,
        "links/my_data.html",
        {
            "form": form,
            "profile": data["profile"],
            "identities": data["identities"],
            "consents": _consents(data),
            "sections": _sections(data),
            "saved": request.GET.get("saved") == "1" and action == "",
        },
        link=link,
        status=status,
    )


def register() -> None:
    purpose_page_register(Purpose.MY_DATA, my_data_view)
