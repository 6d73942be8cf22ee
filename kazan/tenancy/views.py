"""The team page: members, invitations and API keys of the current business (owners only).

Every object named in a URL is looked up inside request.business, so an id from another business
is a 404. Failed actions re-render the page with the reason and the error's 4xx status.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kazan.core.entitlements import Capability, PlanLimitReached, plan_has
from kazan.core.errors import KazanError
from kazan.tenancy import queries, services
from kazan.tenancy.decorators import member_required
from kazan.tenancy.forms import ApiKeyForm, InvitationForm, RoleForm
from kazan.tenancy.models import Role
from kazan.tenancy.resolution import SESSION_KEY

TEAM_PERMISSION = "team.manage"


def _team_page(request, *, status: int = 200, error=None, **extra):
    business = request.business
    context = {
        "members": queries.team_members(business=business),
        "invitations": queries.invitations_pending(business=business),
        "api_keys": queries.api_keys_active(business=business),
        "api_access": plan_has(business=business, key=Capability.API_ACCESS),
        "roles": Role.choices,
        "invite_form": extra.pop("invite_form", None) or InvitationForm(),
        "api_key_form": extra.pop("api_key_form", None) or ApiKeyForm(),
        "error": error,
        **extra,
    }
    return render(request, "tenancy/team.html", context, status=status)


@member_required(TEAM_PERMISSION)
@require_GET
def team_list(request):
    return _team_page(request)


@member_required(TEAM_PERMISSION)
@require_POST
def invitation_create(request):
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _team_page(request, status=400, invite_form=form)
    try:
        issued = services.invitation_create(
            business=request.business,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            actor=request.user,
        )
    except PlanLimitReached as exc:  # the plan's seats are taken: say so, link the upgrade
        return _team_page(request, status=exc.status, refusal=exc, invite_form=form)
    except KazanError as exc:
        return _team_page(request, status=exc.status, error=exc.message, invite_form=form)
    # Rendered from the POST, not redirected: the link (with its token) is shown this once.
    return _team_page(request, issued_invitation=issued)


@member_required(TEAM_PERMISSION)
@require_POST
def invitation_revoke(request, invitation_id: int):
    invitation = queries.invitation_get(business=request.business, invitation_id=invitation_id)
    try:
        services.invitation_revoke(
            business=request.business, invitation=invitation, actor=request.user
        )
    except KazanError as exc:
        return _team_page(request, status=exc.status, error=exc.message)
    messages.success(request, _("The invitation was withdrawn."))
    return redirect("team:list")


@member_required(TEAM_PERMISSION)
@require_POST
def member_role_change(request, membership_id: int):
    membership = queries.membership_get(business=request.business, membership_id=membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _team_page(request, status=400, error=_("Choose a valid role."))
    try:
        services.membership_role_change(
            business=request.business,
            membership=membership,
            role=form.cleaned_data["role"],
            actor=request.user,
        )
    except KazanError as exc:
        return _team_page(request, status=exc.status, error=exc.message)
    messages.success(request, _("The role was changed."))
    return redirect("team:list")


@member_required(TEAM_PERMISSION)
@require_POST
def member_remove(request, membership_id: int):
    membership = queries.membership_get(business=request.business, membership_id=membership_id)
    try:
        services.membership_remove(
            business=request.business, membership=membership, actor=request.user
        )
    except KazanError as exc:
        return _team_page(request, status=exc.status, error=exc.message)
    if membership.user_id == request.user.pk:
        # They left: this business is no longer theirs to look at.
        request.session.pop(SESSION_KEY, None)
        messages.success(request, _("You left %(business)s.") % {"business": request.business.name})
        return redirect(
            "dashboard:home" if request.user.memberships.exists() else "accounts:security"
        )
    messages.success(request, _("The member was removed from the team."))
    return redirect("team:list")


@member_required(TEAM_PERMISSION)
@require_POST
def api_key_create(request):
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _team_page(request, status=400, api_key_form=form)
    try:
        issued = services.api_key_create(
            business=request.business, name=form.cleaned_data["name"], actor=request.user
        )
    except PlanLimitReached as exc:  # no API access in the plan
        return _team_page(request, status=exc.status, refusal=exc, api_key_form=form)
    except KazanError as exc:
        return _team_page(request, status=exc.status, error=exc.message, api_key_form=form)
    # The secret is shown in this response only; afterwards only its prefix is known.
    return _team_page(request, issued_api_key=issued)


@member_required(TEAM_PERMISSION)
@require_POST
def api_key_revoke(request, api_key_id: int):
    api_key = queries.api_key_get(business=request.business, api_key_id=api_key_id)
    try:
        services.api_key_revoke(business=request.business, api_key=api_key, actor=request.user)
    except KazanError as exc:
        return _team_page(request, status=exc.status, error=exc.message)
    messages.success(request, _("The API key was revoked."))
    return redirect("team:list")
