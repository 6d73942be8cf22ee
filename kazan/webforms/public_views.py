"""The hosted contact form page, /<business-slug>/form: the built-in form for channels that
cannot show one (an SMS gets its link), the landing page and the widget's "form" link. GET
shows it, POST sends it (CSRF-protected, rate-limited). No third-party requests: the page uses
the project's own stylesheet only."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from kazan.core.errors import KazanError
from kazan.core.http import client_ip
from kazan.customers.normalize import language_normalize
from kazan.tenancy.queries import business_for_slug
from kazan.webforms import formdef, queries, services
from kazan.webforms.models import FormMode, FormSubmission


def _language(request: HttpRequest, business) -> str:
    asked = request.GET.get("lang") or request.POST.get("lang") or ""
    return (
        language_normalize(asked, strict=False)
        or language_normalize(getattr(request, "LANGUAGE_CODE", ""), strict=False)
        or business.language
    )


@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest, business_slug: str) -> HttpResponse:
    business = business_for_slug(business_slug)
    if business is None or not business.is_active:
        return render(request, "webforms/unavailable.html", status=404)
    form = queries.form_settings_get(business=business)
    if form.mode == FormMode.THIRD_PARTY and form.third_party_url:
        return redirect(form.third_party_url)
    language = _language(request, business)
    with translation.override(language):
        context = {
            "business": business,
            "language": language,
            "sent": request.GET.get("sent") == "1",
        }
        values: dict = {}
        errors: dict = {}
        status = 200
        if request.method == "POST":
            values = {key: request.POST.get(key, "") for key in formdef.FIELD_SPECS}
            values["consent"] = request.POST.get("consent") == "on"
            try:
                services.form_ratelimit(business=business, ip=client_ip(request))
                services.form_submit(
                    business=business,
                    data=values,
                    channel=FormSubmission.Channel.WEB,
                    language=language,
                    origin=request.headers.get("Origin", "")[:200],
                    ip=client_ip(request),
                    user_agent=request.headers.get("User-Agent", ""),
                )
            except services.FormInvalid as invalid:
                errors, status = invalid.errors, 422
            except KazanError as failure:
                errors, status = {"form": str(failure.message)}, failure.status
            else:
                return redirect(f"{request.path}?sent=1&lang={language}")
        reply = formdef.form_reply(form, business, language)
        context.update(
            {
                "reply": reply,
                "fields": [
                    {
                        **field,
                        "value": values.get(field["name"], ""),
                        "error": errors.get(field["name"]),
                    }
                    for field in reply["fields"]
                ],
                "consent_checked": bool(values.get("consent")),
                "errors": errors,
                "thanks": str(formdef.THANKS),
            }
        )
        return render(request, "webforms/page.html", context, status=status)
