"""The flow editor at /dashboard/flows/. Thin: parse, authorize, call a query or service,
render. Owners and managers only ("settings.edit"); agents get a 403. Flows are loaded through
queries.flow_get with request.business, so another tenant's id is a 404.

The editor is one form; its buttons (add, remove, move, save) post all of it and htmx swaps
the form for the answer, so without JavaScript the same posts render the whole page."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.conversations import queries as conversation_queries
from kazan.conversations.editor import preview, queries, services
from kazan.conversations.editor.forms import (
    EDITABLE_TYPES,
    BindingForm,
    BotSettingsForm,
    DraftError,
    FlowCreateForm,
    FlowDraft,
    StepRow,
    languages_for,
    rows_from_definition,
    step_type_labels,
)
from kazan.core.errors import ValidationFailed
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest

PERMISSION = "settings.edit"
SUMMARY_MAX = 40


@member_required(PERMISSION)
@require_GET
def flow_list(request: BusinessRequest) -> HttpResponse:
    return _list_page(request)


def _list_page(
    request: BusinessRequest, *, create_form=None, binding_form=None, bot_form=None, status=200
):
    business = request.business
    if bot_form is None:
        bot_settings = conversation_queries.bot_settings_get(business=business)
        bot_form = BotSettingsForm(
            initial={
                "faq_fallback": bot_settings.faq_fallback,
                "agent_fallback": bot_settings.agent_fallback,
                "misses_before_handoff": bot_settings.misses_before_handoff,
            }
        )
    flows = queries.flows_list(business=business)
    bindings = queries.bindings_by_channel(business=business)
    labels = dict(services.channel_choices())
    channels = [
        {"key": key, "label": label, "binding": bindings.get(key)} for key, label in labels.items()
    ]
    flow_rows = [
        {
            "flow": flow,
            "answers_on": [labels.get(b.channel, b.channel) for b in flow.bindings.all()],
        }
        for flow in flows
    ]
    return render(
        request,
        "flows/list.html",
        {
            "flow_rows": flow_rows,
            "channels": channels,
            "create_form": create_form or FlowCreateForm(),
            "binding_form": binding_form,
            "bot_form": bot_form,
            "flow_choices": [(flow.pk, flow.name) for flow in flows],
        },
        status=status,
    )


@member_required(PERMISSION)
@require_POST
def flow_new(request: BusinessRequest) -> HttpResponse:
    form = FlowCreateForm(request.POST)
    if not form.is_valid():
        return _list_page(request, create_form=form, status=400)
    try:
        flow = services.flow_create(
            business=request.business,
            name=form.cleaned_data["name"],
            template=form.cleaned_data["template"],
            actor=request.user,
        )
    except ValidationFailed as exc:
        form.add_error(None, str(exc.message))
        return _list_page(request, create_form=form, status=400)
    messages.success(request, _("The flow was created."))
    return redirect("flows:edit", flow_id=flow.pk)


@member_required(PERMISSION)
@require_POST
def binding_save(request: BusinessRequest) -> HttpResponse:
    business = request.business
    flows = queries.flows_list(business=business)
    form = BindingForm(request.POST, flows=flows)
    if not form.is_valid():
        return _list_page(request, binding_form=form, status=400)
    data = form.cleaned_data
    flow = queries.flow_get(business=business, flow_id=data["flow"]) if data["flow"] else None
    try:
        services.flow_bind(
            business=business,
            flow=flow,
            channel=data["channel"],
            restart_keywords=data["restart_keywords"],
            actor=request.user,
        )
    except ValidationFailed as exc:
        form.add_error(None, str(exc.message))
        return _list_page(request, binding_form=form, status=400)
    messages.success(request, _("The channel settings were saved."))
    return redirect("flows:list")


@member_required(PERMISSION)
@require_POST
def bot_settings_save(request: BusinessRequest) -> HttpResponse:
    """The card "When the bot does not understand"; the next message follows it."""
    form = BotSettingsForm(request.POST)
    if not form.is_valid():
        return _list_page(request, bot_form=form, status=400)
    data = form.cleaned_data
    try:
        services.bot_settings_update(
            business=request.business,
            faq_fallback=data["faq_fallback"],
            agent_fallback=data["agent_fallback"],
            misses_before_handoff=data["misses_before_handoff"],
            actor=request.user,
        )
    except ValidationFailed as exc:
        form.add_error(None, str(exc.message))
        return _list_page(request, bot_form=form, status=400)
    messages.success(request, _("What the bot does when it does not understand was saved."))
    return redirect("flows:list")


def _fields(texts: dict, languages, required: str) -> list[dict]:
    return [
        {"code": code, "name": name, "value": texts.get(code, ""), "required": code == required}
        for code, name in languages
    ]


def _summary(row: StepRow, language: str) -> str:
    text = row.locked or row.texts.get(language) or next((t for t in row.texts.values() if t), "")
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def _present(rows: list[StepRow], business) -> list[dict]:
    """The rows as the template walks them: field names and one field per language."""
    languages = languages_for(business)
    required = business.language
    items = []
    for index, row in enumerate(rows):
        prefix = f"s{index}"
        items.append(
            {
                "row": row,
                "prefix": prefix,
                "index": index,
                "number": index + 1,
                "texts": _fields(row.texts, languages, required),
                "options": [
                    {
                        "prefix": f"{prefix}-o{number}",
                        "number": number,
                        "value": option["value"],
                        "next": option["next"],
                        "labels": _fields(option["labels"], languages, required),
                    }
                    for number, option in enumerate(row.options)
                ],
                "links": [
                    {
                        "prefix": f"{prefix}-l{number}",
                        "number": number,
                        "kind": link["kind"],
                        "target": link["target"],
                        "labels": _fields(link["labels"], languages, required),
                        "texts": _fields(link["texts"], languages, required),
                    }
                    for number, link in enumerate(row.links)
                ],
            }
        )
    return items


def _editor(request: BusinessRequest, flow, *, rows, name, errors=(), saved=None, status=200):
    business = request.business
    labels = step_type_labels()
    context = {
        "flow": flow,
        "flow_name": name,
        "items": _present(rows, business),
        "step_count": len(rows),
        "targets": [
            (
                row.name,
                f"{number}. {labels.get(row.type, _('Fixed step'))}"
                + (f": {summary}" if (summary := _summary(row, business.language)) else ""),
            )
            for number, row in enumerate(rows, start=1)
        ],
        "type_labels": labels,
        "editable_types": EDITABLE_TYPES,
        "errors": errors,
        "saved": saved,
        "version": flow.current_version,
        "channels": queries.flow_channels(flow=flow),
        "languages": languages_for(business),
        "preview": request.session.get(_preview_key(flow)),
    }
    if request.headers.get("HX-Request"):
        # htmx swaps only 2xx answers: the form with its errors comes back as 200.
        return render(request, "flows/_editor.html", context)
    return render(request, "flows/editor.html", context, status=status)


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def flow_edit(request: BusinessRequest, flow_id: int) -> HttpResponse:
    business = request.business
    flow = queries.flow_get(business=business, flow_id=flow_id)
    base = queries.flow_definition(flow)
    if request.method == "GET":
        rows = rows_from_definition(base, languages_for(business))
        return _editor(request, flow, rows=rows, name=flow.name)
    op = request.POST.get("op", "save")
    try:
        draft = FlowDraft(request.POST, business=business, base=base)
        if op != "save":
            draft.apply(op)
    except DraftError:
        return HttpResponse(_("This form could not be read. Please reload the page."), status=400)
    if op != "save":
        return _editor(request, flow, rows=draft.rows, name=draft.name, errors=draft.errors)
    definition = draft.definition()
    if definition is not None:
        try:
            version = services.flow_save(
                business=business,
                flow=flow,
                name=draft.name,
                definition=definition,
                actor=request.user,
            )
        except ValidationFailed as exc:
            draft.errors.append(str(exc.message))
        else:
            flow.refresh_from_db()
            rows = rows_from_definition(version.definition, languages_for(business))
            return _editor(request, flow, rows=rows, name=flow.name, saved=version)
    return _editor(request, flow, rows=draft.rows, name=draft.name, errors=draft.errors, status=400)


def _preview_key(flow) -> str:
    return f"flow-preview:{flow.business_id}:{flow.pk}"


@member_required(PERMISSION)
@require_POST
def flow_preview(request: BusinessRequest, flow_id: int) -> HttpResponse:
    """Runs the flow as it stands in the form (unsaved) for one turn; see editor.preview."""
    business = request.business
    flow = queries.flow_get(business=business, flow_id=flow_id)
    key = _preview_key(flow)
    codes = [code for code, _name in languages_for(business)]
    language = request.POST.get("preview_language", "")
    language = language if language in codes else business.language
    restart = request.POST.get("preview_action") != "send"
    error = ""
    try:
        draft = FlowDraft(request.POST, business=business, base=queries.flow_definition(flow))
    except DraftError:
        return HttpResponse(_("This form could not be read. Please reload the page."), status=400)
    definition = draft.definition()
    if definition is None:
        error = _("Please correct the steps marked in the form to try the flow.")
    else:
        try:
            request.session[key] = preview.preview_turn(
                business=business,
                definition=definition,
                saved=None if restart else request.session.get(key),
                language=language,
                message=str(request.POST.get("preview_message", ""))[:1000],
                choice=str(request.POST.get("preview_choice", ""))[:40],
            )
        except ValidationFailed as exc:
            error = str(exc.message)
    return render(
        request,
        "flows/_preview.html",
        {
            "flow": flow,
            "preview": request.session.get(key),
            "error": error,
            "language": language,
            "languages": languages_for(business),
        },
        status=200 if request.headers.get("HX-Request") or not error else 400,
    )
