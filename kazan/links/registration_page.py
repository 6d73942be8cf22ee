"""The registration page of a secure link (purpose registration, seed 002's "registration
link"): name, email, shipping address, language, the data-processing consent (required) and
offers on the channel the link came from (optional), recorded with the exact texts shown. On
success the link is used up and the registered listeners (the agent) hear of it on commit."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext

from kazan.core.errors import KazanError
from kazan.core.http import client_ip
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.services.registration import (
    customer_register,
    marketing_channel_label,
    marketing_purpose_for,
)
from kazan.links.errors import LinksError
from kazan.links.events import registered_notify_on_commit
from kazan.links.forms import RegistrationForm
from kazan.links.models import Purpose, SecureLink
from kazan.links.pages import page_render
from kazan.links.purposes import purpose_page_register
from kazan.links.services import secure_link_consume

# Which form field shows a service error of this code.
ERROR_FIELDS: dict[str, str] = {
    CustomersErrorCode.INVALID_EMAIL: "email",
    CustomersErrorCode.DUPLICATE_EMAIL: "email",
    CustomersErrorCode.INVALID_NAME: "first_name",
    CustomersErrorCode.INVALID_ADDRESS: "street",
    CustomersErrorCode.INVALID_LANGUAGE: "language",
    CustomersErrorCode.CONSENT_REQUIRED: "data_processing",
}


def consent_texts(*, business_name: str, channel: str) -> tuple[str, str]:
    """The data-processing and marketing consent texts in the active language, exactly as the
    page shows them and the ledger records them ("" when the channel has no marketing)."""
    processing = gettext(
        "I agree that %(business)s processes my personal data (name, contact details and "
        "address) to handle my orders and requests, as described above."
    ) % {"business": business_name}
    marketing = ""
    if marketing_purpose_for(channel):
        marketing = gettext(
            "I would like to receive offers from %(business)s on %(channel)s. I can withdraw "
            "this at any time."
        ) % {"business": business_name, "channel": marketing_channel_label(channel)}
    return processing, marketing


def _initial(link: SecureLink, language: str) -> dict[str, str]:
    first, _space, last = (link.customer.name or "").partition(" ")
    return {
        "first_name": first,
        "last_name": last,
        "language": language,
        "country": link.business.country,
    }


def registration_view(request: HttpRequest, link: SecureLink) -> HttpResponse:
    business, customer = link.business, link.customer
    language = translation.get_language() or business.language
    processing_text, marketing_text = consent_texts(
        business_name=business.name, channel=link.channel
    )
    form = RegistrationForm(
        data=request.POST if request.method == "POST" else None,
        initial=_initial(link, language),
        data_processing_label=processing_text,
        marketing_label=marketing_text,
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    # First: of two racing submits only one registers; a failure below rolls
                    # the use back, so the customer can correct and send again.
                    secure_link_consume(link=link)
                    customer_register(
                        business=business,
                        customer=customer,
                        name=form.full_name(),
                        email=data["email"],
                        address=data["address"],
                        language=data["language"],
                        data_processing_consent=data["data_processing"],
                        marketing_consent=bool(data.get("marketing")),
                        channel=link.channel or "web",
                        data_processing_wording=processing_text,
                        marketing_wording=marketing_text,
                        wording_language=language,
                        ip=client_ip(request),
                        user_agent=request.headers.get("User-Agent", ""),
                    )
                    registered_notify_on_commit(business, customer, link.channel)
            except LinksError:
                raise  # used meanwhile: the dispatcher shows the friendly page
            except KazanError as failure:
                form.add_error(ERROR_FIELDS.get(str(failure.code)), str(failure.message))
            else:
                with translation.override(data["language"]):
                    return page_render(
                        request,
                        "links/registered.html",
                        {"language": data["language"]},
                        link=link,
                    )
    return page_render(request, "links/registration.html", {"form": form}, link=link, status=status)


def register() -> None:
    purpose_page_register(Purpose.REGISTRATION, registration_view)
