"""The business's invoice pages: download a document's PDF, and the billing details invoices
are issued to. Thin: the invoice is loaded through queries.invoice_get with request.business,
so another tenant's id is a 404."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kazan.billing.invoice_forms import BillingProfileForm
from kazan.billing.queries.invoices import billing_profile_get, invoice_get
from kazan.billing.services.billing_profiles import ProfileInvalid, billing_profile_save
from kazan.billing.services.invoice_pdf import invoice_pdf
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest


def pdf_response(content: bytes, *, number: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@member_required()
@require_GET
def invoice_pdf_download(request: BusinessRequest, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(business=request.business, invoice_id=invoice_id)
    return pdf_response(invoice_pdf(invoice=invoice), number=invoice.number)


@member_required("billing.manage")
@require_http_methods(["GET", "POST"])
def billing_profile(request: BusinessRequest) -> HttpResponse:
    business = request.business
    current = billing_profile_get(business=business)
    if request.method == "POST":
        form = BillingProfileForm(request.POST)
        if form.is_valid():
            try:
                saved = billing_profile_save(
                    business=business, data=form.cleaned_data, actor=request.user
                )
            except ProfileInvalid as exc:
                form.add_error(exc.field, str(exc.message))
            else:
                messages.success(request, _("The billing details were saved."))
                if saved.warning:
                    messages.warning(request, saved.warning)
                return redirect("billing:profile")
    else:
        initial = {"country": business.country, "legal_name": business.name}
        if current is not None:
            fields = BillingProfileForm.base_fields
            initial = {field: getattr(current, field) for field in fields}
        form = BillingProfileForm(initial=initial)
    return render(
        request,
        "billing/profile.html",
        {"form": form, "current": current},
        status=400 if request.method == "POST" else 200,
    )
