"""How the tenancy app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import (
    Change,
    Detail,
    activity_target,
    activity_type,
    choice,
    field_names,
)
from kazan.tenancy.models import ApiKey, Business, Invitation, Membership, Role


@activity_target("tenancy.business")
def _businesses(ids, viewer):
    return dict(Business.objects.filter(pk__in=ids).values_list("pk", "name"))


@activity_target("tenancy.membership")
def _memberships(ids, viewer):
    members = Membership.objects.filter(pk__in=ids).select_related("user")
    return {
        m.pk: _("%(name)s (%(role)s)") % {"name": m.user, "role": m.get_role_display()}
        for m in members
    }


@activity_target("tenancy.invitation")
def _invitations(ids, viewer):
    """The invitee's email, masked (a•••@example.com): it decrypts only here."""
    from kazan.core.masking import email_mask

    invitations = Invitation.objects.filter(pk__in=ids).only("pk", "email")
    return {invitation.pk: email_mask(invitation.email) for invitation in invitations}


@activity_target("tenancy.apikey")
def _api_keys(ids, viewer):
    return {
        pk: f"kz_{prefix}_…"
        for pk, prefix in ApiKey.objects.filter(pk__in=ids).values_list("pk", "prefix")
    }


role_label = choice(Role.choices)
ROLE = Detail(t("Role"), role_label)
FIELDS = Detail(t("Changed"), field_names(Business))
REASON = Detail(t("Reason"))

activity_type(
    "business.created",
    label=t("Business created"),
    sentence=t("%(actor)s created the business %(target)s"),
    details={"slug": Detail(t("Address"))},
)
activity_type(
    "business.updated",
    label=t("Business details changed"),
    sentence=t("%(actor)s changed the details of %(target)s"),
    details={"fields": FIELDS},
)
activity_type(
    "business.settings_edited",
    label=t("Settings changed"),
    sentence=t("%(actor)s changed the settings of %(target)s"),
    details={"fields": FIELDS},
)
activity_type(
    "business.suspended",
    label=t("Business suspended"),
    sentence=t("%(actor)s suspended %(target)s: %(reason)s"),
    details={"reason": REASON},
)
activity_type(
    "business.reactivated",
    label=t("Business reactivated"),
    sentence=t("%(actor)s reactivated %(target)s: %(reason)s"),
    details={"reason": REASON},
)
activity_type(
    "membership.created",
    label=t("Team member added"),
    sentence=t("%(actor)s added %(target)s to the team"),
    details={"role": ROLE},
)
activity_type(
    "membership.role_changed",
    label=t("Role changed"),
    sentence=t("%(actor)s changed the role of %(target)s"),
    changes=lambda data: [
        Change(_("Role"), *(role_label(data.get(k), data) for k in ("from", "to")))
    ],
)
activity_type(
    "membership.removed",
    label=t("Team member removed"),
    sentence=t("%(actor)s removed a team member (%(role)s)"),
    details={"role": ROLE},
)
activity_type(
    "invitation.created",
    label=t("Invitation sent"),
    sentence=t("%(actor)s invited %(target)s to join the team as %(role)s"),
    details={"role": ROLE, "replaced": Detail(t("Earlier invitations replaced"))},
)
activity_type(
    "invitation.accepted",
    label=t("Invitation accepted"),
    sentence=t("%(actor)s accepted the invitation and joined the team as %(role)s"),
    details={"role": ROLE, "new_user": Detail(t("New account"))},
)
activity_type(
    "invitation.revoked",
    label=t("Invitation withdrawn"),
    sentence=t("%(actor)s withdrew the invitation of %(target)s"),
)
activity_type(
    "api_key.created",
    label=t("API key created"),
    sentence=t("%(actor)s created the API key kz_%(prefix)s_…"),
)
activity_type(
    "api_key.revoked",
    label=t("API key revoked"),
    sentence=t("%(actor)s revoked the API key kz_%(prefix)s_…"),
)
activity_type(
    "business.client_id_rotated",
    label=t("Widget client id replaced"),
    sentence=t("%(actor)s replaced the website widget's client id of %(target)s"),
)
