"""The Assistant page of the dashboard (/dashboard/assistant/): the agent's settings (seed 002's
AI configuration options), a "test the assistant" box that runs one sandboxed turn, this
month's AI messages against the quota, and the chatbot analytics of the last 30 days. Owners
and managers (settings.edit). The API key is write-only: the page never shows it."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kazan.agent import queries, services
from kazan.agent.engines.llm import llm_configured
from kazan.agent.forms import AgentSettingsForm, TryForm
from kazan.billing.queries.limits import quota_used
from kazan.core.entitlements import Quota, plan_limit
from kazan.core.errors import ValidationFailed
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest

PERMISSION = "settings.edit"


def _page(
    request: BusinessRequest,
    form: AgentSettingsForm,
    *,
    try_form: TryForm | None = None,
    tried: services.TryOutcome | None = None,
    status: int = 200,
) -> HttpResponse:
    business = request.business
    row = queries.agent_settings_get(business=business)
    return render(
        request,
        "agent/assistant.html",
        {
            "form": form,
            "try_form": try_form or TryForm(initial={"language": business.language}),
            "tried": tried,
            "has_key": bool(row.api_key),
            "llm_ready": llm_configured(row),
            "used": quota_used(business=business, key=Quota.AI_MESSAGES),
            "quota": plan_limit(business=business, key=Quota.AI_MESSAGES),
            "analytics": queries.agent_analytics(business=business),
        },
        status=status,
    )


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def assistant_page(request: BusinessRequest) -> HttpResponse:
    business = request.business
    if request.method == "GET":
        row = queries.agent_settings_get(business=business)
        return _page(request, AgentSettingsForm.for_settings(row))
    form = AgentSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.agent_settings_update(business=business, actor=request.user, **form.changes())
        except ValidationFailed as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("The assistant settings were saved."))
            return redirect("assistant:page")
    return _page(request, form, status=400)


@member_required(PERMISSION)
@require_POST
def assistant_try(request: BusinessRequest) -> HttpResponse:
    """One turn with the saved settings, for a made-up customer (nothing is kept)."""
    business = request.business
    row = queries.agent_settings_get(business=business)
    form = TryForm(request.POST)
    if not form.is_valid():
        return _page(request, AgentSettingsForm.for_settings(row), try_form=form, status=400)
    tried = services.assistant_try(
        business=business, text=form.cleaned_data["text"], language=form.cleaned_data["language"]
    )
    return _page(request, AgentSettingsForm.for_settings(row), try_form=form, tried=tried)
