"""Campaign pages of the business dashboard. Thin: parse, authorize (member_required), call a
query or service, render. Campaigns are loaded through queries.campaign_get with
request.business, so another tenant's id is a 404."""

import math
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.campaigns import links, queries, services
from kazan.campaigns.audience import (
    broadcast_channel_default,
    broadcast_channel_get,
    broadcast_channels,
)
from kazan.campaigns.chat import utf16_length
from kazan.campaigns.error_codes import CampaignsErrorCode
from kazan.campaigns.forms import (
    AudienceForm,
    BroadcastForm,
    CampaignForm,
    ReminderRuleForm,
    TestSendForm,
)
from kazan.core.errors import ErrorCode, InsufficientCredits, RateLimited, ValidationFailed
from kazan.messaging.queries import sms_balance
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest

if TYPE_CHECKING:
    from kazan.campaigns.models import Campaign
    from kazan.tenancy.models import Business

PAGE_SIZE = 20
_FIELD_OF_CODE: dict[ErrorCode, str | None] = {
    CampaignsErrorCode.INVALID_NAME: "name",
    CampaignsErrorCode.INVALID_BODY: "body",
    CampaignsErrorCode.INVALID_VOUCHER: "voucher_discount",
    CampaignsErrorCode.INVALID_TIME: "send_at",
    CampaignsErrorCode.INVALID_RULE: None,
    CampaignsErrorCode.INVALID_CHANNEL: "channel",
    CampaignsErrorCode.INVALID_TITLE: "title",
    CampaignsErrorCode.INVALID_KIND: "kind",
}


def _counter_context(business: "Business") -> dict[str, str]:
    """What the live counter adds to the typed text, so its count matches the server's."""
    sample_token = links.unsubscribe_token(business_id=business.pk, customer_id=1)
    return {
        "counter_suffix": links.stop_line(
            language=business.language, url=links.unsubscribe_url(sample_token)
        ),
        "counter_link": links.short_url("a" * links.CODE_LENGTH),
        "counter_name": queries.SAMPLE_NAME,
    }


@member_required("customers.view")
@require_GET
def campaign_list(request: BusinessRequest) -> HttpResponse:
    business = request.business
    page = Paginator(queries.campaign_list(business=business), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "campaigns/list.html",
        {
            "page": page,
            "hours": queries.best_hours(business=business),
            "balance": sms_balance(business=business),
            "can_send": request.membership.can("messaging.send"),
            "can_broadcast": any(
                channel.chat for channel in broadcast_channels(business=business).values()
            ),
            "query": "",
        },
    )


def _form_page(
    request: BusinessRequest,
    form: CampaignForm,
    *,
    campaign: "Campaign | None" = None,
    status: int = 200,
) -> HttpResponse:
    business = request.business
    return render(
        request,
        "campaigns/form.html",
        {
            "form": form,
            "campaign": campaign,
            "test_form": TestSendForm(
                initial={
                    "test_phone": queries.test_phone_of(
                        business=business, membership=request.membership
                    )
                }
            ),
            **_counter_context(business),
        },
        status=status,
    )


def _compose(request: BusinessRequest, *, campaign: "Campaign | None" = None) -> HttpResponse:
    """new and edit: "preview" shows the confirm page (recipients, characters, segments,
    credits against the balance); "confirm" saves and schedules or sends; "draft" saves."""
    business = request.business
    if request.method == "GET":
        form = (
            CampaignForm.for_campaign(campaign, business=business)
            if campaign
            else CampaignForm(business=business)
        )
        return _form_page(request, form, campaign=campaign)
    form = CampaignForm(request.POST, business=business)
    action = request.POST.get("action", "preview")
    if action == "edit":
        return _form_page(request, form, campaign=campaign)
    if not form.is_valid():
        return _form_page(request, form, campaign=campaign, status=400)
    kwargs = form.service_kwargs()
    try:
        if action == "confirm" or action == "draft":
            services.campaign_save(
                business=business,
                actor=request.user,
                campaign=campaign,
                draft=action == "draft",
                **kwargs,
            )
            if action == "draft":
                messages.success(request, _("The draft was saved."))
            elif kwargs["send_at"] is None:
                messages.success(request, _("Sending has started."))
            else:
                messages.success(request, _("The campaign is scheduled."))
            return redirect("campaigns:list")
        services.campaign_validate(business=business, **kwargs)
    except InsufficientCredits as exc:
        messages.error(request, str(exc.message))
        return _form_page(request, form, campaign=campaign, status=402)
    except ValidationFailed as exc:
        form.add_error(_FIELD_OF_CODE.get(exc.code), str(exc.message))
        return _form_page(request, form, campaign=campaign, status=400)
    channel = broadcast_channel_get(business=business, key=kwargs["channel"])
    estimate = queries.campaign_estimate(
        business=business,
        body=kwargs["body"],
        has_voucher=bool(kwargs["voucher_discount"]),
        customers=queries.audience_customers(
            business=business, channel=channel, audience=kwargs["audience"]
        ),
    )
    return render(
        request,
        "campaigns/confirm.html",
        {
            "form": form,
            "campaign": campaign,
            "estimate": estimate,
            "values": kwargs,
            "channel": channel,
            # The outbox paces the channel at its configured rate: how long everyone takes.
            "send_minutes": math.ceil(estimate.recipients / channel.rate_per_second / 60),
        },
    )


@member_required("messaging.send")
@require_http_methods(["GET", "POST"])
def campaign_new(request: BusinessRequest) -> HttpResponse:
    return _compose(request)


@member_required("messaging.send")
@require_http_methods(["GET", "POST"])
def campaign_edit(request: BusinessRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.campaign_get(business=request.business, campaign_id=campaign_id)
    if not campaign.is_editable:
        messages.error(
            request, _("This campaign has started sending and can no longer be changed.")
        )
        return redirect("campaigns:list")
    if campaign.channel in _chat_channels(request.business):
        return _broadcast_compose(request, campaign=campaign)
    return _compose(request, campaign=campaign)


@member_required("messaging.send")
@require_GET
def audience_count(request: BusinessRequest) -> HttpResponse:
    """htmx: the live recipient count of the filters as they stand in the campaign form."""
    business = request.business
    form = AudienceForm(request.GET, business=business)
    count, problem = None, ""
    if form.is_valid():
        try:
            count = queries.audience_count(
                business=business,
                channel=form.cleaned_data["channel"],
                audience=services.audience_validate(business=business, audience=form.audience()),
            )
        except ValidationFailed as exc:
            problem = str(exc.message)
    else:
        problem = _("Check the audience filters.")
    return render(
        request,
        "campaigns/_audience_count.html",
        {"count": count, "problem": problem},
        status=200 if count is not None else 400,
    )


@member_required("messaging.send")
@require_POST
def campaign_test(request: BusinessRequest) -> HttpResponse:
    """htmx: "Send a test to yourself" with the text as it stands in the campaign form."""
    business = request.business
    form = TestSendForm(request.POST)
    campaign = None
    if request.POST.get("campaign"):
        campaign = queries.campaign_get(business=business, campaign_id=request.POST["campaign"])
    status, sent, problem = 400, False, _("Enter your mobile number.")
    if form.is_valid():
        try:
            services.campaign_test_send(
                business=business,
                actor=request.user,
                membership=request.membership,
                phone=form.cleaned_data["test_phone"],
                body=request.POST.get("body", ""),
                voucher_discount=request.POST.get("voucher_discount", ""),
                channel=request.POST.get("channel")
                or broadcast_channel_default(business=business).key,
                campaign=campaign,
            )
        except (ValidationFailed, InsufficientCredits, RateLimited) as exc:
            status, problem = exc.status, str(exc.message)
        else:
            status, sent, problem = 200, True, ""
    return render(
        request, "campaigns/_test_result.html", {"sent": sent, "problem": problem}, status=status
    )


@member_required("messaging.send")
@require_POST
def campaign_delete(request: BusinessRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.campaign_get(business=request.business, campaign_id=campaign_id)
    services.campaign_cancel(business=request.business, campaign=campaign, actor=request.user)
    messages.success(request, _("The campaign was deleted; it will not be sent."))
    return redirect("campaigns:list")


@member_required("messaging.send")
@require_POST
def campaign_resume(request: BusinessRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.campaign_get(business=request.business, campaign_id=campaign_id)
    services.campaign_resume(business=request.business, campaign=campaign, actor=request.user)
    messages.success(request, _("Sending has resumed."))
    return redirect("campaigns:list")


@member_required("messaging.send")
@require_http_methods(["GET", "POST"])
def reminders(request: BusinessRequest) -> HttpResponse:
    business = request.business
    rule = queries.reminder_rule_get(business=business)
    status = 200
    if request.method == "POST":
        form = ReminderRuleForm(request.POST)
        if form.is_valid():
            try:
                services.reminder_rule_save(
                    business=business, actor=request.user, **form.cleaned_data
                )
            except ValidationFailed as exc:
                form.add_error(
                    "template" if exc.code == CampaignsErrorCode.INVALID_BODY else None,
                    str(exc.message),
                )
            else:
                messages.success(request, _("The reminder settings were saved."))
                return redirect("campaigns:reminders")
        status = 400
    else:
        form = ReminderRuleForm(
            initial={
                "enabled": rule.enabled,
                "days_without_sms": rule.days_without_sms,
                "template": rule.template,
                "cap_per_customer": rule.cap_per_customer,
            }
        )
    return render(
        request,
        "campaigns/reminders.html",
        {
            "form": form,
            "rule": rule,
            "recent": queries.reminders_recent(business=business),
            **_counter_context(business),
        },
        status=status,
    )


# --- chat broadcasts (Telegram) ------------------------------------------------------------------


def _chat_channels(business: "Business") -> set[str]:
    return {key for key, channel in broadcast_channels(business=business).items() if channel.chat}


def _broadcast_form_page(
    request: BusinessRequest,
    form: BroadcastForm,
    *,
    campaign: "Campaign | None" = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "campaigns/broadcast_form.html",
        {
            "form": form,
            "campaign": campaign,
            "text_max": broadcast_channel_get(
                business=request.business, key=form["channel"].value() or "telegram"
            ).text_max,
            "sample_name": queries.SAMPLE_NAME,
        },
        status=status,
    )


def _broadcast_compose(
    request: BusinessRequest, *, campaign: "Campaign | None" = None
) -> HttpResponse:
    """new and edit of a chat broadcast: "preview" shows the message as the chat will show it
    with the number of recipients; "confirm" saves and sends or schedules; "draft" saves."""
    business = request.business
    if request.method == "GET":
        form = (
            BroadcastForm.for_campaign(campaign, business=business)
            if campaign
            else BroadcastForm(business=business)
        )
        return _broadcast_form_page(request, form, campaign=campaign)
    form = BroadcastForm(request.POST, business=business)
    action = request.POST.get("action", "preview")
    if action == "edit":
        return _broadcast_form_page(request, form, campaign=campaign)
    if not form.is_valid():
        return _broadcast_form_page(request, form, campaign=campaign, status=400)
    kwargs = form.service_kwargs()
    try:
        if action == "confirm" or action == "draft":
            saved = services.campaign_save(
                business=business,
                actor=request.user,
                campaign=campaign,
                draft=action == "draft",
                **kwargs,
            )
            if action == "draft":
                messages.success(request, _("The draft was saved."))
            elif kwargs["send_at"] is None:
                messages.success(request, _("Sending has started."))
            else:
                messages.success(request, _("The broadcast is scheduled."))
            return redirect("campaigns:detail", campaign_id=saved.pk)
        fields = services.campaign_validate(business=business, **kwargs)
    except ValidationFailed as exc:
        form.add_error(_FIELD_OF_CODE.get(exc.code), str(exc.message))
        return _broadcast_form_page(request, form, campaign=campaign, status=400)
    channel = broadcast_channel_get(business=business, key=fields["channel"])
    recipients = queries.audience_count(
        business=business, channel=channel.key, audience=fields["audience"], kind=fields["kind"]
    )
    return render(
        request,
        "campaigns/broadcast_confirm.html",
        {
            "form": form,
            "campaign": campaign,
            "values": fields,
            "channel": channel,
            "recipients": recipients,
            "preview": services.broadcast_preview(
                business=business,
                body=fields["body"],
                title=fields["title"],
                emoji=fields["emoji"],
                kind=fields["kind"],
            ),
            "characters": utf16_length(fields["body"]),
            "send_minutes": math.ceil(recipients / channel.rate_per_second / 60),
        },
    )


@member_required("messaging.send")
@require_http_methods(["GET", "POST"])
def broadcast_new(request: BusinessRequest) -> HttpResponse:
    if not _chat_channels(request.business):
        messages.error(request, _("Connect a Telegram bot in Channels to send broadcasts."))
        return redirect("campaigns:list")
    return _broadcast_compose(request)


@member_required("messaging.send")
@require_POST
def broadcast_test(request: BusinessRequest) -> HttpResponse:
    """htmx: test mode — the broadcast as it stands in the form, to the team's own chats."""
    status, sent, problem = 200, True, ""
    try:
        services.broadcast_test_send(
            business=request.business,
            actor=request.user,
            body=request.POST.get("body", ""),
            title=request.POST.get("title", ""),
            emoji=request.POST.get("emoji", ""),
            kind=request.POST.get("kind", "offer"),
        )
    except (ValidationFailed, RateLimited) as exc:
        status, sent, problem = exc.status, False, str(exc.message)
    return render(
        request,
        "campaigns/_broadcast_test_result.html",
        {"sent": sent, "problem": problem},
        status=status,
    )


def _delivery_context(request: BusinessRequest, campaign_id: int) -> dict:
    campaign = queries.campaign_get(business=request.business, campaign_id=campaign_id)
    stats = queries.broadcast_stats(business=request.business, campaign=campaign)
    live = campaign.status in ("scheduled", "sending") or bool(stats.pending)
    return {"campaign": campaign, "stats": stats, "live": live}


@member_required("customers.view")
@require_GET
def campaign_detail(request: BusinessRequest, campaign_id: int) -> HttpResponse:
    """A campaign's message and its delivery per recipient: sent, failed, blocked the bot."""
    return render(request, "campaigns/detail.html", _delivery_context(request, campaign_id))


@member_required("customers.view")
@require_GET
def campaign_delivery(request: BusinessRequest, campaign_id: int) -> HttpResponse:
    """htmx: the delivery counts again, every few seconds while the campaign is sending."""
    return render(request, "campaigns/_delivery.html", _delivery_context(request, campaign_id))
