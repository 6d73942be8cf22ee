"""Accepting an invitation into a team: the page the emailed link opens (anyone may open it;
the token is the credential). A signed-in person joins with their account, someone new makes
one here, and the owner of an existing account signs in first."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from kazan.accounts.emails import email_index
from kazan.accounts.forms import InvitationSignupForm
from kazan.accounts.queries import user_by_email
from kazan.accounts.services import LoginMethod
from kazan.accounts.signin import MODEL_BACKEND, sign_in
from kazan.core.errors import KazanError
from kazan.tenancy.models import Membership
from kazan.tenancy.queries import unscoped_invitation_by_token
from kazan.tenancy.resolution import SESSION_KEY as BUSINESS_SESSION_KEY
from kazan.tenancy.services import InvitationUnusable, invitation_accept, invitation_require_usable


def _invitation_problem(
    request: HttpRequest,
    *,
    status: int,
    message: str | Promise,
    signed_in_elsewhere: bool = False,
) -> HttpResponse:
    return render(
        request,
        "tenancy/invitation_problem.html",
        {"message": message, "status": status, "signed_in_elsewhere": signed_in_elsewhere},
        status=status,
    )


def _join(request: HttpRequest, membership: Membership) -> HttpResponse:
    request.session[BUSINESS_SESSION_KEY] = membership.business_id
    messages.success(
        request,
        _("Welcome to %(business)s.") % {"business": membership.business.name},
    )
    return redirect("dashboard:home")


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = unscoped_invitation_by_token(token=token) if len(token) <= 100 else None
    if invitation is None:
        return _invitation_problem(
            request,
            status=404,
            message=_("This invitation link is not valid. Check that you copied all of it."),
        )
    try:
        invitation_require_usable(invitation)
    except InvitationUnusable as exc:
        return _invitation_problem(request, status=exc.status, message=exc.message)

    invited_business = invitation.business
    context: dict[str, object] = {"invitation": invitation, "invited_business": invited_business}
    invited_index = email_index(invitation.email)

    user = request.user
    if user.is_authenticated:
        if user.email_index != invited_index:
            return _invitation_problem(
                request,
                status=403,
                message=_(
                    "This invitation was sent to another email address. Sign out and open the "
                    "link again, or ask for an invitation to the address you use here."
                ),
                signed_in_elsewhere=True,
            )
        if Membership.objects.filter(business=invited_business, user=user).exists():
            return _invitation_problem(
                request,
                status=409,
                message=_("You are already a member of %(business)s.")
                % {"business": invited_business.name},
            )
        if request.method == "POST":
            try:
                membership = invitation_accept(token=token, user=user)
            except KazanError as exc:
                return _invitation_problem(request, status=exc.status, message=exc.message)
            return _join(request, membership)
        return render(request, "tenancy/invitation_join.html", context)

    if user_by_email(email=invitation.email) is not None:
        # The invited address has an account: its owner signs in and comes back here.
        return render(request, "tenancy/invitation_signin.html", context)

    form = InvitationSignupForm(request.POST or None, email=invitation.email)
    context["form"] = form
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "tenancy/invitation_signup.html", context, status=400)
        try:
            membership = invitation_accept(
                token=token,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
            )
        except KazanError as exc:
            return _invitation_problem(request, status=exc.status, message=exc.message)
        sign_in(request, membership.user, backend=MODEL_BACKEND, method=LoginMethod.INVITATION)
        return _join(request, membership)
    return render(request, "tenancy/invitation_signup.html", context)
