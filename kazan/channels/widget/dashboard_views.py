"""The Website widget page of the dashboard (/dashboard/widget/): the settings, the one-line
snippet with a copy button, a live preview, and replacing the client id. Owners and managers
(settings.edit)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.csp import CSP
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.channels.widget.forms import RotateForm, WidgetSettingsForm
from kazan.channels.widget.pages import framed_by, host_page_context
from kazan.channels.widget.queries import widget_settings_for
from kazan.channels.widget.services import widget_settings_update
from kazan.channels.widget.tokens import preview_sign
from kazan.core.errors import ValidationFailed
from kazan.tenancy.decorators import member_required
from kazan.tenancy.services import client_id_rotate

PERMISSION = "settings.edit"


def _page(request, form: WidgetSettingsForm, status: int = 200) -> HttpResponse:
    business = request.business
    widget = widget_settings_for(business=business)
    context = host_page_context(request, business, widget, business.language)
    return render(
        request,
        "widget/dashboard.html",
        {**context, "form": form, "widget": widget, "rotate_form": RotateForm()},
        status=status,
    )


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def widget_page(request) -> HttpResponse:
    business = request.business
    if request.method == "GET":
        return _page(request, WidgetSettingsForm.for_widget(widget_settings_for(business=business)))
    form = WidgetSettingsForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            widget_settings_update(business=business, actor=request.user, **form.changes())
        except ValidationFailed as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("The widget settings were saved."))
            return redirect("widget_settings:page")
    return _page(request, form, status=400)


@member_required(PERMISSION)
@require_POST
def widget_rotate(request) -> HttpResponse:
    """A new client id; the old snippet stops working at once (confirmed by a ticked box)."""
    if not RotateForm(request.POST).is_valid():
        messages.error(request, _("Tick the box to confirm that the old snippet stops working."))
        return redirect("widget_settings:page")
    client_id_rotate(business=request.business, actor=request.user)
    messages.success(request, _("The client id was replaced. Put the new snippet on your website."))
    return redirect("widget_settings:page")


@member_required(PERMISSION)
@require_GET
def widget_preview(request) -> HttpResponse:
    """A page of Kazan embedding the loader with a signed preview token: the frame then runs on
    Kazan's own origin for this preview only (never added to the business's allowed list), and
    even while the widget is still switched off."""
    business = request.business
    widget = widget_settings_for(business=business)
    context = host_page_context(
        request,
        business,
        widget,
        get_language() or business.language,
        preview=preview_sign(business),
    )
    response = render(request, "widget/demo.html", {**context, "preview": True})
    response["Cache-Control"] = "private, no-store"
    return framed_by(response, CSP.SELF)
