"""The "customers" export: a business's customer list with its reviews, vouchers and campaigns.

It lives here, not in customers, because it joins the customer list (customers) with reviews
and vouchers (loyalty) and campaign recipients (campaigns): campaigns is the lowest app that may
read all three (each through its own queries). Registered with analytics' export registry from
CampaignsConfig.ready()."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kazan.analytics.enums import ExportKind
from kazan.analytics.error_codes import AnalyticsErrorCode
from kazan.analytics.exports import (
    CHUNK_SIZE,
    Cell,
    ExportFilters,
    Table,
    date_range,
    export_choices_clean,
    export_invalid,
    export_kind_register,
    export_positive_int,
    local_naive,
    yes_no,
)
from kazan.campaigns.queries import campaign_get, campaign_recipient_exists
from kazan.core.errors import NotFound
from kazan.core.masking import email_mask, phone_mask
from kazan.customers.queries import CUSTOMER_SORT_DEFAULT, CUSTOMER_SORTS, customer_list, tag_get
from kazan.loyalty.queries import review_count_subquery, voucher_redeemed_count_subquery

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

# The dashboard list's own filters a customer export also takes (see customers.queries).
_CHOICE_FILTERS = {
    "consent": ("yes", "no"),
    "reviewed": ("yes", "no"),
    "voucher": ("open", "redeemed", "none"),
}

LABELS: dict[str, str | Promise] = {
    "campaign": gettext_lazy("Campaign"),
    "consent": gettext_lazy("SMS offers"),
    "tag": gettext_lazy("Tag"),
    "rating": gettext_lazy("Rating"),
    "reviewed": gettext_lazy("Review"),
    "voucher": gettext_lazy("Voucher"),
    "sort": gettext_lazy("Order"),
}


def customers_filters_clean(
    *, business: Business | None, given: dict[str, object]
) -> ExportFilters:
    """The campaign (of this business) and the customer list's filters (consent, tag, rating,
    review, voucher, order), validated."""
    assert business is not None  # registered with business="required"
    clean: ExportFilters = {}
    if "campaign" in given:
        campaign_id = export_positive_int(given["campaign"], LABELS["campaign"])
        try:
            campaign_get(business=business, campaign_id=campaign_id)
        except NotFound:
            raise export_invalid(
                _("This business has no campaign with this id."),
                code=AnalyticsErrorCode.INVALID_CAMPAIGN,
            ) from None
        if campaign_id is not None:
            clean["campaign"] = campaign_id
    clean.update(export_choices_clean(given, _CHOICE_FILTERS, LABELS))
    if "rating" in given:
        rating = export_positive_int(given["rating"], LABELS["rating"])
        if rating is not None and rating > 5:
            raise export_invalid(_("%(field)s has an unknown value.") % {"field": LABELS["rating"]})
        if rating is not None:
            clean["rating"] = rating
    if "tag" in given:
        tag_id = export_positive_int(given["tag"], LABELS["tag"])
        try:
            tag_get(business=business, tag_id=str(tag_id))  # empty: no such tag
        except NotFound:
            raise export_invalid(
                _("This business has no tag with this id."), code=AnalyticsErrorCode.INVALID_TAG
            ) from None
        if tag_id is not None:
            clean["tag"] = tag_id
    if "sort" in given:
        sort = str(given["sort"])
        if sort not in CUSTOMER_SORTS:
            raise export_invalid(_("%(field)s has an unknown value.") % {"field": LABELS["sort"]})
        clean["sort"] = sort
    return clean


def customers_source(*, business: Business | None, filters: ExportFilters) -> Table:
    """The business's customers (erased ones never), most recently active first (or in the
    dashboard list's `sort`), filtered by last interaction in [since, until] (the business's
    local days), name (or a phone, its last digits or an email, as in the dashboard's search),
    having received one of its campaigns, and the dashboard list's own filters (SMS consent,
    tag, rating, review, voucher) — so a team's export holds exactly the list it was looking at."""
    assert business is not None  # the registry's rule: "required"
    tz = zoneinfo.ZoneInfo(business.timezone)
    since, until = date_range(filters, tz)
    yes_no_filter = {"yes": True, "no": False}
    rating = filters.get("rating")
    tag = filters.get("tag")
    voucher = filters.get("voucher")
    customers = customer_list(
        business=business,
        search=str(filters.get("name", "")),
        since=since,
        until=until,
        consent=yes_no_filter.get(str(filters.get("consent", ""))),
        tag=tag,
        min_rating=int(rating) if rating else None,
        reviewed=yes_no_filter.get(str(filters.get("reviewed", ""))),
        voucher=str(voucher) if voucher else None,
        sort=str(filters.get("sort", CUSTOMER_SORT_DEFAULT)),
    ).prefetch_related(None)
    campaign_id = filters.get("campaign")
    if campaign_id:
        customers = customers.filter(
            campaign_recipient_exists(business=business, campaign_id=int(campaign_id))
        )
    rows_query = customers.annotate(
        review_total=review_count_subquery(business=business),
        vouchers_used=voucher_redeemed_count_subquery(business=business),
    ).values_list(
        "name",
        "phone_e164",
        "email",
        "language",
        "first_interaction_at",
        "last_interaction_at",
        "sms_consent",
        "review_total",
        "vouchers_total",
        "vouchers_used",
    )
    yes, no = yes_no(True), yes_no(False)

    def rows() -> Iterator[list[Cell]]:
        for (
            name,
            phone,
            email,
            language,
            first,
            last,
            consent,
            reviews,
            issued,
            used,
        ) in rows_query.iterator(chunk_size=CHUNK_SIZE):
            yield [
                name,
                phone_mask(phone or ""),
                email_mask(email or ""),
                language,
                local_naive(first, tz),
                local_naive(last, tz),
                yes if consent else no,
                reviews,
                issued,
                used,
            ]

    zone = business.timezone
    return Table(
        title=_("Customers of %(business)s") % {"business": business.name},
        headers=[
            _("Name"),
            _("Phone"),
            _("Email"),
            _("Language"),
            _("First interaction (%(tz)s)") % {"tz": zone},
            _("Last interaction (%(tz)s)") % {"tz": zone},
            _("SMS offers"),
            _("Reviews"),
            _("Vouchers issued"),
            _("Vouchers redeemed"),
        ],
        rows=rows(),
        widths=[3, 1.6, 2.2, 1, 1.7, 1.7, 1, 0.9, 1.1, 1.2],
    )


def export_kinds_register() -> None:
    export_kind_register(
        ExportKind.CUSTOMERS,
        customers_source,
        filters=frozenset({"since", "until", "name", *LABELS}),
        business="required",
        clean=customers_filters_clean,
        labels=LABELS,
    )
