"""The Channels page of the business dashboard (/dashboard/channels/): connect, test and
disconnect the business's own channel installations. Owners and managers only (settings.edit);
installations are loaded through queries.installation_get with request.business, so another
tenant's id is a 404. Thin: parse, authorize, call a query or service, render."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.channels import queries, services
from kazan.channels.providers.base import plugin, plugins
from kazan.channels.providers.telegram import members as telegram_members
from kazan.channels.providers.whatsapp.webhooks import whatsapp_hook_path
from kazan.core.entitlements import PlanLimitReached
from kazan.core.errors import Conflict, ValidationFailed
from kazan.tenancy.decorators import member_required

PERMISSION = "settings.edit"
# The providers a business connects here, in the page's order, and the field a "number taken"
# conflict belongs to.
CONNECTABLE = {"twilio": "from_number", "whatsapp": "phone_number_id", "telegram": "bot_token"}


def _form(provider, data=None):
    """The provider's connect form; WhatsApp's ids are prefixed (two forms on one page)."""
    auto_id = "id_%s" if provider == "twilio" else f"id_{provider}_%s"
    return plugin(provider).connect_form(data=data, auto_id=auto_id)


def _whatsapp_hooks(installations):
    """(installation, its own callback URL) of each connected WhatsApp installation: each
    business's Meta app calls its own URL (decision 0022)."""
    hooks = []
    for installation in installations:
        if installation.provider == "whatsapp" and installation.is_active:
            path = whatsapp_hook_path(installation)  # "" for one connected before it had a key
            hooks.append((installation, settings.PUBLIC_URL + path if path else ""))
    return hooks


def _page(request, *, forms=None, refusal=None, status=200):
    business = request.business
    forms = forms or {}
    connectable = [(plugin(key), forms.get(key) or _form(key)) for key in CONNECTABLE]
    installations = queries.installations_list(business=business)
    return render(
        request,
        "channels/installations.html",
        {
            "installations": installations,
            "connectable": connectable,
            "plugins": plugins(),
            "whatsapp_hooks": _whatsapp_hooks(installations),
            "telegram_bots": [i for i in installations if i.provider == "telegram" and i.is_active],
            "refusal": refusal,
        },
        status=status,
    )


@member_required(PERMISSION)
@require_GET
def installation_list(request):
    return _page(request)


@member_required(PERMISSION)
@require_POST
def installation_connect(request):
    provider = request.POST.get("provider", "twilio")
    if provider not in CONNECTABLE:
        return _page(request, status=400)
    form = _form(provider, request.POST)
    if not form.is_valid():
        return _page(request, forms={provider: form}, status=400)
    try:
        services.installation_connect(
            business=request.business, actor=request.user, provider=provider, fields=request.POST
        )
    except Conflict as exc:
        form.add_error(CONNECTABLE[provider], str(exc.message))
        return _page(request, forms={provider: form}, status=409)
    except PlanLimitReached as exc:  # the plan's channels are used up, or it is not active
        return _page(request, forms={provider: form}, refusal=exc, status=exc.status)
    except ValidationFailed as exc:  # the provider refused it (Telegram: getMe, setWebhook)
        form.add_error(None, str(exc.message))
        return _page(request, forms={provider: form}, status=400)
    if provider == "telegram":
        messages.success(
            request,
            _("Connected. Telegram now sends your bot's messages here; use “Test” to check it."),
        )
    elif provider == "whatsapp":
        messages.success(
            request,
            _(
                "Connected. Use “Test” to check that Meta accepts it, then set the webhook in "
                "Meta's App Dashboard as shown below."
            ),
        )
    else:
        messages.success(request, _("Connected. Use “Test” to check that Twilio accepts it."))
    return redirect("channels:list")


@member_required(PERMISSION)
@require_POST
def installation_test(request, installation_id: int):
    installation = queries.installation_get(
        business=request.business, installation_id=installation_id
    )
    if services.installation_test(
        business=request.business, actor=request.user, installation=installation
    ):
        messages.success(request, _("The connection works."))
    else:
        messages.error(
            request,
            _("The provider refused the connection: %(error)s. Check the fields and connect again.")
            % {"error": installation.last_error[:120] or "?"},
        )
    return redirect("channels:list")


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def installation_disconnect(request, installation_id: int):
    installation = queries.installation_get(
        business=request.business, installation_id=installation_id
    )
    if request.method == "GET":
        return render(request, "channels/disconnect.html", {"installation": installation})
    services.installation_disconnect(
        business=request.business, actor=request.user, installation=installation
    )
    messages.success(request, _("Disconnected. Messages now go out through Kazan's own number."))
    return redirect("channels:list")


@member_required()
@require_http_methods(["GET", "POST"])
def telegram_member_link(request):
    """Any team member links (or unlinks) their own Telegram chat with the business's bot:
    a one-time deep link, shown once; team notices and test broadcasts go to that chat."""
    link = ""
    if request.method == "POST":
        if request.POST.get("action") == "unlink":
            telegram_members.member_unlink(business=request.business, user=request.user)
            messages.success(request, _("Your Telegram chat is no longer linked."))
            return redirect("channels:telegram_me")
        try:
            link = telegram_members.member_link_start(business=request.business, user=request.user)
        except ValidationFailed as exc:
            messages.error(request, str(exc.message))
            return redirect("channels:telegram_me")
    linked = queries.member_chat_for(business=request.business, user=request.user) is not None
    return render(
        request,
        "channels/telegram_me.html",
        {
            "link": link,
            "linked": linked,
            "bot": queries.installation_active(business=request.business, channel="telegram"),
        },
    )
