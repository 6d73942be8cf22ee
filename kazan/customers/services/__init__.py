"""Write use-cases for customers, their channel identities, the consent ledger and data-subject
requests, one module per use-case group. Each takes the business first, runs in one
transaction and records activity without personal data (ids, channels and purposes only —
never names, phones, emails or IPs). Callers import from here."""

from kazan.accounts.types import Actor
from kazan.customers.services.blocking import (
    customer_block,
    customer_is_blocked,
    customer_unblock,
    identity_inbound_mark,
)
from kazan.customers.services.consent import (
    consent_grant,
    consent_withdraw,
    consent_wording_for_text,
)
from kazan.customers.services.contacts import customer_get_or_create_by_contact
from kazan.customers.services.customers import (
    customer_get_or_create_by_phone,
    customer_register,
    customer_touch,
    customer_update,
)
from kazan.customers.services.gdpr import (
    ERASURE_CHANNEL,
    EXPORT_FORMAT,
    customer_erase,
    customer_export,
)
from kazan.customers.services.guards import USER_AGENT_MAX_LENGTH
from kazan.customers.services.identities import (
    customer_for_identity,
    identities_unclaimed_delete,
    identity_attach,
    identity_seen,
    identity_touch,
)
from kazan.customers.services.profiles import (
    PROFILES_MAX,
    profile_create,
    profile_delete,
    profile_update,
)
from kazan.customers.services.registration import customer_self_update
from kazan.customers.services.tags import (
    TAG_BULK_MAX,
    customers_tag,
    tag_create,
    tag_delete,
    tag_update,
)

__all__ = [
    "ERASURE_CHANNEL",
    "EXPORT_FORMAT",
    "PROFILES_MAX",
    "TAG_BULK_MAX",
    "USER_AGENT_MAX_LENGTH",
    "Actor",
    "consent_grant",
    "consent_withdraw",
    "consent_wording_for_text",
    "customer_block",
    "customer_erase",
    "customer_export",
    "customer_for_identity",
    "customer_get_or_create_by_contact",
    "customer_get_or_create_by_phone",
    "customer_is_blocked",
    "customer_register",
    "customer_self_update",
    "customer_touch",
    "customer_unblock",
    "customer_update",
    "customers_tag",
    "identities_unclaimed_delete",
    "identity_attach",
    "identity_inbound_mark",
    "identity_seen",
    "identity_touch",
    "profile_create",
    "profile_delete",
    "profile_update",
    "tag_create",
    "tag_delete",
    "tag_update",
]
