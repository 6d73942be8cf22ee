"""The Channels page of the business dashboard (/dashboard/channels/): connect, test and
disconnect the business's own channel installations. Owners and managers only (settings.edit);
installations are loaded through queries.installation_get with request.business, so another
tenant's id is a 404. Thin: parse, authorize, call a query or service, render."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.channels import queries, services
from kazan.channels.providers.base import plugin, plugins
from kazan.core.errors import Conflict
from kazan.tenancy.decorators import member_required

PERMISSION = "settings.edit"
CONNECTABLE = "twilio"  # the provider the connect form is for (WhatsApp and Telegram follow)


def _page(request, *, form=None, status=200):
    business = request.business
    descriptor = plugin(CONNECTABLE)
    return render(
        request,
        "channels/installations.html",
        {
            "installations": queries.installations_list(business=business),
            "form": form or descriptor.connect_form(),
            "provider": descriptor,
            "plugins": plugins(),
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
    form = plugin(CONNECTABLE).connect_form(data=request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        services.installation_connect(
            business=request.business,
            actor=request.user,
            provider=CONNECTABLE,
            fields=request.POST,
        )
    except Conflict as exc:
        form.add_error("from_number", str(exc.message))
        return _page(request, form=form, status=409)
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
