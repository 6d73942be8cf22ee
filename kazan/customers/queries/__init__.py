"""Read use-cases for customers and consent. Every function takes the business and filters by it;
erased customers are left out unless a caller says otherwise.

`customers_consenting` is the only way marketing code selects recipients: it reads the latest
ledger row per customer, so a withdrawal always wins over an older grant."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, Lower
from django.utils.translation import gettext_lazy as _

from kazan.core.errors import KazanError, NotFound, ValidationFailed
from kazan.customers.emails import email_index_for, email_normalize
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.identities import (
    external_id_normalize,
    identity_channel_valid,
    identity_index_for,
)
from kazan.customers.list_extensions import CustomerListFilters, customer_list_extensions
from kazan.customers.models import (
    ChannelIdentity,
    ConsentRecord,
    ConsentWording,
    Customer,
    Tag,
)
from kazan.customers.phones import (
    PHONE_MAX_LENGTH,
    PHONE_SUFFIX_DIGITS,
    phone_index_for,
    phone_normalize,
    phone_suffix_index_for,
)
from kazan.customers.queries.channel_state import (
    customer_channel_handle as customer_channel_handle,
)
from kazan.customers.queries.channel_state import (
    customer_is_blocked as customer_is_blocked,
)
from kazan.customers.queries.channel_state import (
    customer_on_channel as customer_on_channel,
)
from kazan.customers.queries.channel_state import (
    customers_active as customers_active,
)
from kazan.customers.queries.channel_state import (
    service_window_open as service_window_open,
)

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

FALLBACK_LANGUAGE = "en"
SMS = ConsentRecord.Purpose.SMS_MARKETING


def purpose_valid(purpose: str) -> str:
    if purpose not in ConsentRecord.Purpose.values:
        raise ValidationFailed(
            _("Unknown consent purpose."), code=CustomersErrorCode.INVALID_PURPOSE
        )
    return purpose


def consent_latest_granted(purpose: str, customer_ref: str = "pk") -> Subquery:
    """Expression: is the latest ledger row of (outer customer, purpose) a grant? NULL if none.

    Correlated on `customer_ref` of the outer query; served by the consent_latest_idx index
    (customer, purpose, -occurred_at, -id): one index probe per customer, no Python loop.
    """
    latest = ConsentRecord.objects.filter(
        customer_id=OuterRef(customer_ref), purpose=purpose
    ).order_by("-occurred_at", "-id")
    return Subquery(latest.values("granted")[:1], output_field=BooleanField())


def _with_sms_consent(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    return customers.annotate(
        sms_consent=Coalesce(consent_latest_granted(SMS), Value(False), output_field=BooleanField())
    )


def _active(business: Business) -> QuerySet[Customer]:
    return Customer.objects.filter(business=business, erased_at__isnull=True)


def customer_get(
    *, business: Business, customer_id: int | str, include_erased: bool = False
) -> Customer:
    """The business's customer with this id, or NotFound — also for another business's id, a
    malformed id and (unless `include_erased`) an erased customer, so nothing leaks."""
    try:
        pk = int(str(customer_id))
    except (TypeError, ValueError):
        raise NotFound() from None
    customers = Customer.objects.filter(business=business, pk=pk)
    if not include_erased:
        customers = customers.filter(erased_at__isnull=True)
    customer = _with_sms_consent(customers).prefetch_related("tags").first()
    if customer is None:
        raise NotFound(_("This customer does not exist."))
    return customer


def customer_find_by_phone(*, business: Business, phone: str) -> Customer | None:
    """The customer with this phone number (any format the business's country accepts), or None.

    Raises ValidationFailed if `phone` is not a valid number. One indexed query.
    """
    index = phone_index_for(phone_normalize(phone, region=business.country))
    return _active(business).filter(phone_index=index).first()


def customer_find_by_email(*, business: Business, email: str) -> Customer | None:
    normalized = email_normalize(email)
    if not normalized:
        return None
    return _active(business).filter(email_index=email_index_for(normalized)).first()


def customer_by_identity(*, business: Business, channel: str, external_id: str) -> Customer | None:
    """The customer known on `channel` by `external_id` (a Telegram user id…), or None."""
    channel = identity_channel_valid(channel)
    index = identity_index_for(channel, external_id_normalize(external_id))
    identity = (
        ChannelIdentity.objects.filter(
            business=business,
            channel=channel,
            external_index=index,
            customer__erased_at__isnull=True,
        )
        .select_related("customer")
        .first()
    )
    return identity.customer if identity else None


_PHONE_PUNCTUATION = frozenset(" -./()")


def _phone_suffix_matches(business: Business, digits: str) -> list[int]:
    """Ids of the business's customers whose number ends in `digits` (at least
    PHONE_SUFFIX_DIGITS of them): the suffix index narrows to ~1 in 10,000 customers, then each
    candidate's decrypted number is checked, because the index is not unique."""
    index = phone_suffix_index_for(digits)
    candidates = _active(business).filter(phone_suffix_index=index).values_list("pk", "phone_e164")
    return [pk for pk, phone in candidates.iterator() if phone.endswith(digits)]


def _search_filter(business: Business, search: str) -> Q:
    """Name contains the text, or — when the text is a phone number or an email address — the
    exact contact through its blind index (contacts are encrypted, so no partial matches), or —
    when the text is only digits, at least PHONE_SUFFIX_DIGITS — the numbers ending in them."""
    condition = Q(name__icontains=search)
    if "@" in search:
        try:
            email = email_normalize(search)
        except KazanError:
            email = ""
        if email:
            condition |= Q(email_index=email_index_for(email))
        return condition
    digits = "".join(ch for ch in search if ch.isdigit())
    if len(digits) >= 5:
        try:
            phone = phone_normalize(search, region=business.country)
        except KazanError:
            phone = ""
        if phone:
            condition |= Q(phone_index=phone_index_for(phone))
    if PHONE_SUFFIX_DIGITS <= len(digits) <= PHONE_MAX_LENGTH and all(
        ch.isdigit() or ch in _PHONE_PUNCTUATION for ch in search
    ):
        condition |= Q(pk__in=_phone_suffix_matches(business, digits))
    return condition


# The customer list's orders, by the `?sort=` key a column header links to ("-" = descending).
# Every order ends with the primary key, so a page boundary never shifts between two requests.
# Names are stored in plain text (only contacts are encrypted), so they sort in the database;
# customers without a name come last either way. The rating and vouchers orders read the
# columns loyalty adds through list_extensions.
_NAMELESS_LAST = Case(When(name="", then=Value(1)), default=Value(0))
CUSTOMER_SORTS: dict[str, tuple[OrderBy | Case | str, ...]] = {
    "-last_visit": (F("last_interaction_at").desc(nulls_last=True), "-pk"),
    "last_visit": (F("last_interaction_at").asc(nulls_last=True), "pk"),
    "name": (_NAMELESS_LAST, Lower("name").asc(), "pk"),
    "-name": (_NAMELESS_LAST, Lower("name").desc(), "-pk"),
    "-joined": ("-created_at", "-pk"),
    "joined": ("created_at", "pk"),
    "-rating": (F("rating_average").desc(nulls_last=True), "-pk"),
    "rating": (F("rating_average").asc(nulls_last=True), "pk"),
    "-vouchers": ("-vouchers_total", "-pk"),
    "vouchers": ("vouchers_total", "pk"),
}
CUSTOMER_SORT_DEFAULT = "-last_visit"


def customer_sort_valid(raw: str | None) -> str:
    """A known sort key, or the default for anything else (a stale or tampered link)."""
    return raw if raw in CUSTOMER_SORTS else CUSTOMER_SORT_DEFAULT


def customer_list(
    *,
    business: Business,
    search: str = "",
    consent: bool | None = None,
    tag: int | str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    min_rating: int | None = None,
    reviewed: bool | None = None,
    voucher: str | None = None,
    sort: str = CUSTOMER_SORT_DEFAULT,
) -> QuerySet[Customer]:
    """Customers of the business, ordered by `sort` (a CUSTOMER_SORTS key; most recently active
    first by default, an unknown key falls back to it), each annotated with `sms_consent`
    (current SMS-marketing consent) and what the registered list extensions add (loyalty:
    `rating_average` of their in-chat reviews, None without, and `vouchers_total` given), and
    with its tags prefetched. All filters combine (AND); the review and voucher filters are
    EXISTS subqueries, so the list stays one query plus the tags.

    consent: True = currently consenting to SMS offers, False = not (withdrawn or never asked).
    tag: a Tag id of this business. since/until: last interaction in [since, until).
    min_rating, reviewed, voucher: see list_extensions.CustomerListFilters.
    """
    customers = _with_sms_consent(_active(business))
    others = CustomerListFilters(min_rating=min_rating, reviewed=reviewed, voucher=voucher)
    for extension in customer_list_extensions():
        customers = extension(business, customers, others)
    search = (search or "").strip()
    if search:
        customers = customers.filter(_search_filter(business, search))
    if consent is not None:
        # Q(): the annotation is not a model field the type checker knows.
        customers = customers.filter(Q(sms_consent=consent))
    if tag:
        customers = customers.filter(tags__id=tag, tags__business=business)
    if since:
        customers = customers.filter(last_interaction_at__gte=since)
    if until:
        customers = customers.filter(last_interaction_at__lt=until)
    return customers.order_by(*CUSTOMER_SORTS[customer_sort_valid(sort)]).prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )


def tags_for_business(*, business: Business) -> QuerySet[Tag]:
    return Tag.objects.filter(business=business).order_by("name")


def tags_with_counts(*, business: Business) -> QuerySet[Tag]:
    """The business's tags by name, each with `customer_count` (not erased): one query."""
    return tags_for_business(business=business).annotate(
        customer_count=Count("customers", filter=Q(customers__erased_at__isnull=True))
    )


def tag_get(*, business: Business, tag_id: int | str) -> Tag:
    """The business's tag with this id, or NotFound (also another business's or a bad id)."""
    try:
        pk = int(str(tag_id))
    except (TypeError, ValueError):
        raise NotFound(_("This tag does not exist.")) from None
    tag = Tag.objects.filter(business=business, pk=pk).first()
    if tag is None:
        raise NotFound(_("This tag does not exist."))
    return tag


def identities_for(*, business: Business, customer: Customer) -> QuerySet[ChannelIdentity]:
    return ChannelIdentity.objects.filter(business=business, customer=customer).order_by(
        "channel", "created_at"
    )


# --- consent ---------------------------------------------------------------------------------


def consent_wording_current(*, purpose: str, language: str) -> ConsentWording:
    """The newest wording of `purpose` in `language` ("de-AT" counts as "de"), else in English.

    Raises NotFound when the purpose has no wording at all: consent must never be asked with a
    text that is not on record.
    """
    purpose_valid(purpose)
    code = (language or "").strip().lower().replace("_", "-").split("-", 1)[0]
    wordings = ConsentWording.objects.filter(purpose=purpose).order_by("-created_at", "-id")
    wording = wordings.filter(language=code).first() if code else None
    if wording is None:
        wording = wordings.filter(language=FALLBACK_LANGUAGE).first()
    if wording is None:
        raise NotFound(_("There is no consent wording for this purpose."))
    return wording


def consent_wording_get(*, purpose: str, version: str, language: str) -> ConsentWording:
    """The exact wording a client says it showed. ValidationFailed if there is no such text:
    the ledger only records consent to a text it holds."""
    wording = ConsentWording.objects.filter(
        purpose=purpose_valid(purpose), version=version, language=language
    ).first()
    if wording is None:
        raise ValidationFailed(
            _("There is no consent wording with this purpose, version and language."),
            code=CustomersErrorCode.INVALID_WORDING,
        )
    return wording


def consent_is_granted(*, business: Business, customer: Customer, purpose: str) -> bool:
    """Whether the latest ledger row for (customer, purpose) is a grant. Erased → False."""
    if customer.business_id != business.pk or customer.erased_at is not None:
        return False
    latest = (
        ConsentRecord.objects.filter(business=business, customer=customer, purpose=purpose)
        .order_by("-occurred_at", "-id")
        .values_list("granted", flat=True)
        .first()
    )
    return bool(latest)


def customer_is_registered(customer: Customer) -> bool:
    """Whether the customer filled the registration form of a secure link (seed 002's
    "registered?"); an erased customer is not."""
    return customer.registered_at is not None and customer.erased_at is None


def consent_purpose_labels() -> dict[str, str]:
    """Purpose code → its translated name, for pages outside the app."""
    return {purpose: str(label) for purpose, label in ConsentRecord.Purpose.choices}


def data_processing_consent_granted(*, business: Business, customer: Customer) -> bool:
    """Seed 002's "GDPR approval?": the latest data-processing record is a grant."""
    return consent_is_granted(
        business=business, customer=customer, purpose=ConsentRecord.Purpose.DATA_PROCESSING
    )


def consent_current(*, business: Business, customer: Customer) -> dict[str, bool]:
    """Current state of every purpose for one customer: {purpose: granted}."""
    return {
        purpose: consent_is_granted(business=business, customer=customer, purpose=purpose)
        for purpose in ConsentRecord.Purpose.values
    }


def consent_history(*, business: Business, customer: Customer) -> QuerySet[ConsentRecord]:
    """The customer's ledger, newest first, with the wording each grant was given to."""
    return (
        ConsentRecord.objects.filter(business=business, customer=customer)
        .select_related("wording")
        .order_by("-occurred_at", "-id")
    )


def customers_consenting(*, business: Business, purpose: str) -> QuerySet[Customer]:
    """Customers whose latest ledger row for `purpose` is a grant; erased customers never.

    The only way marketing code may select recipients. One SQL query whatever the number of
    customers or ledger rows.
    """
    purpose_valid(purpose)
    return (
        _active(business)
        .alias(consenting=consent_latest_granted(purpose))
        .filter(consenting=True)
        .order_by("pk")
    )


# --- platform console (all businesses; staff only) --------------------------------------------


def unscoped_customers_platform_stats() -> dict[str, int]:
    """Every business's (not erased) customers at once: how many, and how many came back — had
    an interaction after their first, the same guests the chat greets with "Welcome back",
    whether they return a week or an hour later."""
    return Customer.objects.filter(erased_at__isnull=True).aggregate(
        total=Count("id"),
        returning=Count("id", filter=Q(last_interaction_at__gt=F("first_interaction_at"))),
    )


def unscoped_customer_counts_by_business(*, business_ids: list[int]) -> dict[int, int]:
    """Not-erased customers per business, for the console's lists: one grouped query."""
    rows = (
        Customer.objects.filter(business_id__in=business_ids, erased_at__isnull=True)
        .values("business_id")
        .annotate(total=Count("id"))
        .order_by()
    )
    return {row["business_id"]: row["total"] for row in rows}


# --- for messaging ---


def sms_marketing_consent_is_granted(*, business: Business, customer: Customer) -> bool:
    """Whether the customer currently agrees to receive offers by SMS (the outbox asks)."""
    return consent_is_granted(business=business, customer=customer, purpose=SMS)


# --- for conversations and inbox ---

# The channels a person can write on, as (value, label) choices (the labels stay lazy).
IDENTITY_CHANNEL_CHOICES = ChannelIdentity.Channel.choices


def consent_wording_by_id(*, wording_id: int) -> ConsentWording | None:
    """The consent wording a person was shown (None if it no longer exists)."""
    return ConsentWording.objects.filter(pk=wording_id).first()


# --- for console ---


def unscoped_customer_count_subquery(*, business_ref: str = "pk") -> Coalesce:
    """How many (not erased) customers the outer business has, 0 without: one correlated
    subquery for the console's platform-wide lists (map, businesses report)."""
    counted = (
        Customer.objects.filter(business=OuterRef(business_ref), erased_at__isnull=True)
        .order_by()
        .values("business")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# --- for campaigns ---


def unscoped_customer_not_erased(*, business_id: int, customer_id: int) -> Customer | None:
    """The customer an unsubscribe token names (with its business), unless erased."""
    return (
        Customer.objects.filter(pk=customer_id, business_id=business_id, erased_at__isnull=True)
        .select_related("business")
        .first()
    )


def customer_tagged(*, business: Business, tag_ids: list[int], customer_ref: str = "pk") -> Exists:
    """EXISTS(one of `tag_ids`, a tag of `business`, on the outer customer)."""
    return Exists(
        Tag.customers.through.objects.filter(
            customer_id=OuterRef(customer_ref), tag_id__in=tag_ids, tag__business=business
        )
    )


def consent_latest_at(*, purpose: str, customer_ref: str = "pk") -> Subquery:
    """Expression: when the outer customer's latest ledger row of `purpose` was written."""
    latest = ConsentRecord.objects.filter(
        customer_id=OuterRef(customer_ref), purpose=purpose
    ).order_by("-occurred_at", "-id")
    return Subquery(latest.values("occurred_at")[:1], output_field=DateTimeField())


# Profiles' reads live in their own module (re-exported: callers import from here).
from kazan.customers.queries.profiles import (  # noqa: E402
    customer_profiles as customer_profiles,
)
from kazan.customers.queries.profiles import profile_address as profile_address  # noqa: E402
from kazan.customers.queries.profiles import profile_data as profile_data  # noqa: E402
from kazan.customers.queries.profiles import profile_get as profile_get  # noqa: E402
from kazan.customers.queries.profiles import profile_rows as profile_rows  # noqa: E402
