"""The team's side of secure links: a panel on the customer page listing the links sent and a
button that withdraws a live one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kazan.links import queries, services
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest


def customer_panel_context(request: BusinessRequest, customer: Any) -> dict[str, Any]:
    return {
        "secure_links": queries.secure_links_for_customer(
            business=request.business, customer=customer
        ),
        "can_revoke_links": request.membership.can("customers.edit"),
    }


@member_required("customers.edit")
@require_POST
def link_revoke(request: BusinessRequest, link_id: int) -> HttpResponse:
    link = queries.secure_link_get(business=request.business, link_id=link_id)
    services.secure_link_revoke(business=request.business, link=link, actor=request.user)
    messages.success(request, _("The link no longer works."))
    return redirect("customers:detail", customer_id=link.customer_id)
