"""Customer pages of the business dashboard. Thin: parse, authorize (member_required), call a
query or service, render. Every customer is loaded through queries.customer_get with
request.business, so another tenant's id is a 404."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.core.errors import Conflict, ErrorCode, ValidationFailed
from kazan.core.paging import query_without_page, sort_links
from kazan.customers import queries, services
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.forms import (
    ERASE_WORD,
    CustomerFilterForm,
    CustomerForm,
    EraseConfirmForm,
    TagAssignForm,
    TagForm,
)
from kazan.customers.models import ConsentRecord, Customer, Tag
from kazan.customers.panels import customer_facts, customer_panels
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest

PAGE_SIZE = 50
# Service error codes that belong to one form field; others are shown above the form.
_FIELD_OF_CODE: dict[ErrorCode, str] = {
    CustomersErrorCode.INVALID_NAME: "name",
    CustomersErrorCode.INVALID_LANGUAGE: "language",
    CustomersErrorCode.INVALID_EMAIL: "email",
    CustomersErrorCode.DUPLICATE_EMAIL: "email",
    CustomersErrorCode.INVALID_TAG: "tags",
}


# The list's sortable columns and the order a first click gives: names A to Z, figures and
# dates highest or newest first. A second click on the same header reverses it.
_SORTABLE_COLUMNS = {
    "name": "name",
    "rating": "-rating",
    "vouchers": "-vouchers",
    "joined": "-joined",
    "last_visit": "-last_visit",
}


@member_required("customers.view")
@require_GET
def customer_list(request: BusinessRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET or None, business=request.business)
    sort = queries.customer_sort_valid(request.GET.get("sort"))
    customers = queries.customer_list(business=request.business, sort=sort, **form.filters())
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "sort": sort,
            "sort_links": sort_links(request, sort, _SORTABLE_COLUMNS),
            "can_edit": request.membership.can("customers.edit"),
            "can_export": request.membership.can("customers.export"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _panels_html(request: BusinessRequest, customer: Customer) -> list[str]:
    rendered: list[str] = []
    for panel in customer_panels():
        context = panel.context(request, customer)
        if context is not None:
            rendered.append(render_to_string(panel.template, context, request=request))
    return rendered


@member_required("customers.view")
@require_GET
def customer_detail(request: BusinessRequest, customer_id: int) -> HttpResponse:
    business = request.business
    customer = queries.customer_get(business=business, customer_id=customer_id)
    current = queries.consent_current(business=business, customer=customer)
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "consents": queries.consent_history(business=business, customer=customer),
            "consent_current": [
                (purpose, label, current[purpose])
                for purpose, label in ConsentRecord.Purpose.choices
            ],
            "identities": queries.identities_for(business=business, customer=customer),
            "all_tags": queries.tags_for_business(business=business),
            "can_edit": request.membership.can("customers.edit"),
            "facts": [
                (fact.name, fact.label, fact.value(business, customer)) for fact in customer_facts()
            ],
            "panels": _panels_html(request, customer),
        },
    )


@member_required("customers.edit")
@require_http_methods(["GET", "POST"])
def customer_edit(request: BusinessRequest, customer_id: int) -> HttpResponse:
    customer = queries.customer_get(business=request.business, customer_id=customer_id)
    if request.method == "GET":
        form = CustomerForm.for_customer(customer)
        return render(request, "customers/edit.html", {"customer": customer, "form": form})
    form = CustomerForm(request.POST)
    if form.is_valid():
        try:
            services.customer_update(
                business=request.business,
                customer=customer,
                actor=request.user,
                **form.cleaned_data,
            )
        except ValidationFailed as exc:
            form.add_error(_FIELD_OF_CODE.get(exc.code), str(exc.message))
        else:
            messages.success(request, _("The customer was saved."))
            return redirect("customers:detail", customer_id=customer.pk)
    return render(request, "customers/edit.html", {"customer": customer, "form": form}, status=400)


@member_required("customers.edit")
@require_POST
def customer_consent_withdraw(request: BusinessRequest, customer_id: int) -> HttpResponse:
    """A team member records a withdrawal the customer asked for in person or by phone."""
    customer = queries.customer_get(business=request.business, customer_id=customer_id)
    services.consent_withdraw(
        business=request.business,
        customer=customer,
        purpose=request.POST.get("purpose", ""),
        channel="dashboard",
        actor=request.user,
    )
    messages.success(request, _("The withdrawal of consent was recorded."))
    return redirect("customers:detail", customer_id=customer.pk)


@member_required("customers.edit")
@require_POST
def customer_block(request: BusinessRequest, customer_id: int) -> HttpResponse:
    """Blocks (action=block) or unblocks (action=unblock) the customer's messages."""
    customer = queries.customer_get(business=request.business, customer_id=customer_id)
    action = request.POST.get("action", "")
    if action == "block":
        services.customer_block(business=request.business, customer=customer, actor=request.user)
        messages.success(request, _("Blocked: this customer's messages are ignored."))
    elif action == "unblock":
        services.customer_unblock(business=request.business, customer=customer, actor=request.user)
        messages.success(request, _("Unblocked: this customer's messages reach you again."))
    else:
        return HttpResponse(_("Say whether to block or unblock."), status=400)
    return redirect("customers:detail", customer_id=customer.pk)


@member_required("customers.export")
@require_POST
def customer_export(request: BusinessRequest, customer_id: int) -> HttpResponse:
    customer = queries.customer_get(business=request.business, customer_id=customer_id)
    data = services.customer_export(
        business=request.business, customer=customer, actor=request.user
    )
    response = JsonResponse(
        data, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@member_required("customers.erase")
@require_http_methods(["GET", "POST"])
def customer_erase(request: BusinessRequest, customer_id: int) -> HttpResponse:
    # POST also accepts an erased customer so a second submit says "already erased" (409)
    # instead of a puzzling 404.
    customer = queries.customer_get(
        business=request.business,
        customer_id=customer_id,
        include_erased=request.method == "POST",
    )
    if customer.is_erased:
        raise Conflict(
            _("This customer's data has already been erased."), code=CustomersErrorCode.ERASED
        )
    form = EraseConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.customer_erase(business=request.business, customer=customer, actor=request.user)
        messages.success(request, _("The customer's personal data was erased."))
        return redirect("customers:list")
    return render(
        request,
        "customers/erase.html",
        {"customer": customer, "form": form, "erase_word": ERASE_WORD},
        status=400 if form.is_bound else 200,
    )


# --- tags ----------------------------------------------------------------------------------------
# Managing tags is part of editing customers (owners and managers); agents see and filter by them.


def _tags_page(
    request: BusinessRequest, *, form: TagForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "customers/tags.html",
        {
            "tags": queries.tags_with_counts(business=request.business),
            "form": form or TagForm(),
            "colors": Tag.Color.choices,
        },
        status=status,
    )


@member_required("customers.edit")
@require_http_methods(["GET", "POST"])
def tag_list(request: BusinessRequest) -> HttpResponse:
    """The business's tags with their customer counts, and a form for a new one."""
    if request.method == "GET":
        return _tags_page(request)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            tag = services.tag_create(
                business=request.business, actor=request.user, **form.cleaned_data
            )
        except ValidationFailed as exc:
            form.add_error("name", str(exc.message))
        else:
            messages.success(request, _("The tag “%(name)s” was created.") % {"name": tag.name})
            return redirect("customers:tags")
    return _tags_page(request, form=form, status=400)


@member_required("customers.edit")
@require_POST
def tag_edit(request: BusinessRequest, tag_id: int) -> HttpResponse:
    """Rename and recolor a tag (its customers keep it)."""
    tag = queries.tag_get(business=request.business, tag_id=tag_id)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            services.tag_update(
                business=request.business, tag=tag, actor=request.user, **form.cleaned_data
            )
        except ValidationFailed as exc:
            messages.error(request, str(exc.message))
            return _tags_page(request, status=400)
        messages.success(request, _("The tag was saved."))
        return redirect("customers:tags")
    for errors in form.errors.values():
        messages.error(request, " ".join(str(error) for error in errors))
    return _tags_page(request, status=400)


@member_required("customers.edit")
@require_POST
def tag_delete(request: BusinessRequest, tag_id: int) -> HttpResponse:
    tag = queries.tag_get(business=request.business, tag_id=tag_id)
    services.tag_delete(business=request.business, tag=tag, actor=request.user)
    messages.success(request, _("The tag “%(name)s” was deleted.") % {"name": tag.name})
    return redirect("customers:tags")


def _list_url(raw_query: str) -> str:
    """The customer list with the filters the bulk form came from (re-encoded, so only a query
    string of our own page can come out of it)."""
    query = QueryDict(raw_query[:2000]).copy()
    query.pop("page", None)
    encoded = query.urlencode()
    return reverse("customers:list") + (f"?{encoded}" if encoded else "")


def _assign(request: BusinessRequest, *, customer_ids: list[int]) -> tuple[bool, int, str]:
    """Runs a TagAssignForm: (added, number changed, error message)."""
    form = TagAssignForm(request.POST, business=request.business)
    if not form.is_valid():
        if "tag" in form.errors:
            return False, 0, _("Choose a tag.")
        return False, 0, _("The selection is not valid. Reload the page and try again.")
    add = form.cleaned_data["action"] == "add"
    try:
        changed = services.customers_tag(
            business=request.business,
            tag=form.cleaned_data["tag"],
            customer_ids=customer_ids or form.cleaned_data["customer"],
            add=add,
            actor=request.user,
        )
    except ValidationFailed as exc:
        return add, 0, str(exc.message)
    return add, len(changed), ""


@member_required("customers.edit")
@require_POST
def customer_tags(request: BusinessRequest, customer_id: int) -> HttpResponse:
    """Put a tag on this customer or take it off (the customer's page)."""
    customer = queries.customer_get(business=request.business, customer_id=customer_id)
    _added, _count, error = _assign(request, customer_ids=[customer.pk])
    if error:
        messages.error(request, error)
    return redirect("customers:detail", customer_id=customer.pk)


@member_required("customers.edit")
@require_POST
def customers_bulk_tag(request: BusinessRequest) -> HttpResponse:
    """Put a tag on the customers selected in the list, or take it off them."""
    target = _list_url(request.POST.get("query", ""))
    if not request.POST.getlist("customer"):
        messages.error(request, _("Select at least one customer."))
        return redirect(target)
    added, count, error = _assign(request, customer_ids=[])
    if error:
        messages.error(request, error)
    elif added:
        messages.success(
            request,
            ngettext(
                "The tag was added to %(count)d customer.",
                "The tag was added to %(count)d customers.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.success(
            request,
            ngettext(
                "The tag was removed from %(count)d customer.",
                "The tag was removed from %(count)d customers.",
                count,
            )
            % {"count": count},
        )
    return redirect(target)
