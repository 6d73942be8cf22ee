"""Write use-cases of tenancy: businesses, the team (memberships, invitations) and API keys.

Team changes lock the business row first (SELECT FOR UPDATE), so two owners acting at once are
serialized and the "at least one owner" rule cannot be broken by a race.
Authorization (who may call these) is the caller's job: views and API routes check permissions.
"""

from kazan.tenancy.services.api_keys import (
    API_KEY_SECRET_LENGTH,
    API_KEYS_ACTIVE_MAX,
    IssuedApiKey,
    api_key_create,
    api_key_revoke,
    api_key_touch,
)
from kazan.tenancy.services.businesses import (
    BUSINESS_PROFILE_FIELDS,
    business_create,
    business_update,
    region_valid,
)
from kazan.tenancy.services.client_ids import client_id_rotate
from kazan.tenancy.services.invitations import (
    INVITATION_TTL,
    INVITATIONS_PER_HOUR,
    InvitationUnusable,
    IssuedInvitation,
    invitation_accept,
    invitation_accept_url,
    invitation_create,
    invitation_require_usable,
    invitation_revoke,
)
from kazan.tenancy.services.status import (
    STATUS_REASON_MAX,
    business_billing_reactivate,
    business_billing_suspend,
    business_status_change,
)
from kazan.tenancy.services.team import membership_remove, membership_role_change

__all__ = [
    "API_KEYS_ACTIVE_MAX",
    "API_KEY_SECRET_LENGTH",
    "BUSINESS_PROFILE_FIELDS",
    "INVITATIONS_PER_HOUR",
    "INVITATION_TTL",
    "STATUS_REASON_MAX",
    "InvitationUnusable",
    "IssuedApiKey",
    "IssuedInvitation",
    "api_key_create",
    "api_key_revoke",
    "api_key_touch",
    "business_billing_reactivate",
    "business_billing_suspend",
    "business_create",
    "business_status_change",
    "business_update",
    "client_id_rotate",
    "invitation_accept",
    "invitation_accept_url",
    "invitation_create",
    "invitation_require_usable",
    "invitation_revoke",
    "membership_remove",
    "membership_role_change",
    "region_valid",
]
