"""The team inbox at /dashboard/inbox/. Thin: parse, authorize (member_required: every role
answers conversations), call a query or service, render. Threads and canned responses are
loaded with request.business, so another tenant's id is a 404.

A refused action (an empty or too long reply, no credits, a non-member, a snooze in the past)
shows the thread again with the message and the typed text kept, with the error's 4xx status.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.conversations.choices import MessageAuthor, MessageDirection, Status
from kazan.core.errors import KazanError, ValidationFailed
from kazan.customers.queries import IDENTITY_CHANNEL_CHOICES
from kazan.inbox import queries, services, stream
from kazan.inbox.error_codes import InboxErrorCode
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.conversations.models import Conversation
    from kazan.tenancy.models import Business

PAGE_SIZE = 25
PERMISSION = "customers.view"


def _filters(request: BusinessRequest, members: list["User"]) -> queries.InboxFilters:
    """The list's query string, checked: an unknown value is a 400, not an empty list."""
    status = request.GET.get("status") or Status.OPEN
    channel = request.GET.get("channel", "")
    assignee = request.GET.get("assignee", "")
    if status not in (*queries.STATUS_FILTERS, queries.ALL):
        raise ValidationFailed(_("Unknown status."), code=InboxErrorCode.INVALID_STATUS)
    if channel and channel not in dict(IDENTITY_CHANNEL_CHOICES):
        raise ValidationFailed(_("Unknown channel."), code=InboxErrorCode.INVALID_CHANNEL)
    member_ids = {str(user.pk) for user in members}
    if assignee and assignee not in (queries.MINE, queries.UNASSIGNED, *member_ids):
        raise ValidationFailed(_("Choose a member of your team."), code=InboxErrorCode.NOT_MEMBER)
    return queries.InboxFilters(status=status, channel=channel, assignee=assignee)


@member_required(PERMISSION)
@require_GET
def inbox_list(request: BusinessRequest) -> HttpResponse:
    business = request.business
    members = queries.inbox_members(business=business)
    filters = _filters(request, members)
    page = Paginator(
        queries.inbox_conversations(business=business, filters=filters, viewer=request.user),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    channels = dict(IDENTITY_CHANNEL_CHOICES)
    rows = []
    for thread in page.object_list:
        status = queries.status_shown(thread)
        rows.append(
            {
                "thread": thread,
                "who": queries.who(thread),
                "status": status,
                "status_label": Status(status).label,
                "channel_label": channels.get(thread.channel, thread.channel),
            }
        )
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "member_choices": [(str(user.pk), user.name or user.email) for user in members],
        "statuses": [(s, Status(s).label) for s in queries.STATUS_FILTERS],
        "channels": IDENTITY_CHANNEL_CHOICES,
    }
    template = "inbox/_list.html" if request.htmx else "inbox/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _thread_context(request: BusinessRequest, thread: "Conversation") -> dict[str, Any]:
    name, handle = queries.who(thread)
    status = queries.status_shown(thread)
    return {
        "thread": thread,
        "name": name,
        "handle": handle,
        "status": status,
        "status_label": Status(status).label,
        "thread_messages": queries.inbox_messages(business=request.business, conversation=thread),
        "members": queries.inbox_members(business=request.business),
        "statuses": [(s, Status(s).label) for s in services.STATUSES_SET_BY_HAND],
        "canned": queries.canned_responses(business=request.business),
        "text_max": services.TEXT_MAX_BY_CHANNEL.get(thread.channel),
        "Direction": MessageDirection,
        "Author": MessageAuthor,
    }


def _thread_page(
    request: BusinessRequest,
    thread: "Conversation",
    *,
    error: KazanError | None = None,
    **draft: str,
) -> HttpResponse:
    context = {**_thread_context(request, thread), "error": error, **draft}
    return render(
        request, "inbox/thread.html", context, status=error.status if error is not None else 200
    )


def _thread(request: BusinessRequest, conversation_id: int) -> "Conversation":
    return queries.inbox_thread(business=request.business, conversation_id=conversation_id)


@member_required(PERMISSION)
@require_GET
def thread(request: BusinessRequest, conversation_id: int) -> HttpResponse:
    """The whole thread; opening it marks it read."""
    current = _thread(request, conversation_id)
    services.inbox_read(business=request.business, conversation=current)
    return _thread_page(request, current)


@member_required(PERMISSION)
@require_GET
def thread_messages(request: BusinessRequest, conversation_id: int) -> HttpResponse:
    """The thread's messages and its state, refetched by htmx on a live event; the person
    looking at it has read it."""
    current = _thread(request, conversation_id)
    services.inbox_read(business=request.business, conversation=current)
    return render(request, "inbox/_thread_live.html", _thread_context(request, current))


def _after(request: BusinessRequest, current: "Conversation", message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("inbox:thread", conversation_id=current.pk)


@member_required(PERMISSION)
@require_POST
def thread_reply(request: BusinessRequest, conversation_id: int) -> HttpResponse:
    current = _thread(request, conversation_id)
    text = request.POST.get("text", "")
    try:
        services.inbox_reply(
            business=request.business, conversation=current, text=text, actor=request.user
        )
    except KazanError as error:
        return _thread_page(request, current, error=error, reply_draft=text)
    return _after(request, current, _("Your reply was sent."))


@member_required(PERMISSION)
@require_POST
def thread_note(request: BusinessRequest, conversation_id: int) -> HttpResponse:
    current = _thread(request, conversation_id)
    text = request.POST.get("text", "")
    try:
        services.inbox_note(
            business=request.business, conversation=current, text=text, actor=request.user
        )
    except KazanError as error:
        return _thread_page(request, current, error=error, note_draft=text)
    return _after(request, current, _("Your note was saved."))


@member_required(PERMISSION)
@require_POST
def thread_assign(request: BusinessRequest, conversation_id: int) -> HttpResponse:
    current = _thread(request, conversation_id)
    chosen = request.POST.get("assignee", "")
    members = {str(user.pk): user for user in queries.inbox_members(business=request.business)}
    try:
        if chosen and chosen not in members:
            raise ValidationFailed(
                _("Choose a member of your team."), code=InboxErrorCode.NOT_MEMBER
            )
        services.inbox_assign(
            business=request.business,
            conversation=current,
            assignee=members.get(chosen),
            actor=request.user,
        )
    except KazanError as error:
        return _thread_page(request, current, error=error)
    return _after(request, current, _("The conversation was assigned."))


def _snooze_time(value: str, business: "Business") -> datetime | None:
    """The form's local date and time (the business's time zone) as an aware datetime."""
    if not value:
        return None
    try:
        local = datetime.fromisoformat(value[:32])
    except ValueError:
        raise ValidationFailed(
            _("Enter a valid date and time."), code=InboxErrorCode.INVALID_TIME
        ) from None
    if timezone.is_aware(local):
        return local
    return timezone.make_aware(local, ZoneInfo(business.timezone))


@member_required(PERMISSION)
@require_POST
def thread_status(request: BusinessRequest, conversation_id: int) -> HttpResponse:
    current = _thread(request, conversation_id)
    try:
        services.inbox_status_set(
            business=request.business,
            conversation=current,
            status=request.POST.get("status", ""),
            snoozed_until=_snooze_time(request.POST.get("snoozed_until", ""), request.business),
            actor=request.user,
        )
    except KazanError as error:
        return _thread_page(request, current, error=error)
    return _after(request, current, _("The status was changed."))


@member_required(PERMISSION)
@require_POST
def thread_give_back(request: BusinessRequest, conversation_id: int) -> HttpResponse:
    current = _thread(request, conversation_id)
    services.inbox_give_back(business=request.business, conversation=current, actor=request.user)
    return _after(request, current, _("The bot answers this conversation again."))


@member_required(PERMISSION)
@require_GET
def events(request: BusinessRequest) -> StreamingHttpResponse:
    """Server-sent events for the open inbox pages (kazan.inbox.stream)."""
    response = StreamingHttpResponse(
        stream.inbox_events(
            business_id=request.business.pk,
            last_event_id=request.headers.get("Last-Event-ID", ""),
        ),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a proxy in front must not buffer the stream
    return response


# --- canned responses ----------------------------------------------------------------------------


def _canned_page(
    request: BusinessRequest, *, error: KazanError | None = None, **draft: str
) -> HttpResponse:
    return render(
        request,
        "inbox/canned.html",
        {"responses": queries.canned_responses(business=request.business), "error": error, **draft},
        status=error.status if error is not None else 200,
    )


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def canned_list(request: BusinessRequest) -> HttpResponse:
    """The business's canned responses; POST adds one."""
    if request.method == "GET":
        return _canned_page(request)
    title, text = request.POST.get("title", ""), request.POST.get("text", "")
    try:
        services.canned_response_create(
            business=request.business, title=title, text=text, actor=request.user
        )
    except KazanError as error:
        return _canned_page(request, error=error, new_title=title, new_text=text)
    messages.success(request, _("The canned response was saved."))
    return redirect("inbox:canned")


@member_required(PERMISSION)
@require_POST
def canned_edit(request: BusinessRequest, response_id: int) -> HttpResponse:
    response = queries.canned_response_get(business=request.business, response_id=response_id)
    try:
        services.canned_response_update(
            business=request.business,
            response=response,
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
            actor=request.user,
        )
    except KazanError as error:
        return _canned_page(request, error=error)
    messages.success(request, _("The canned response was saved."))
    return redirect("inbox:canned")


@member_required(PERMISSION)
@require_POST
def canned_delete(request: BusinessRequest, response_id: int) -> HttpResponse:
    response = queries.canned_response_get(business=request.business, response_id=response_id)
    services.canned_response_delete(
        business=request.business, response=response, actor=request.user
    )
    messages.success(request, _("The canned response was deleted."))
    return redirect("inbox:canned")
