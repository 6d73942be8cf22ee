"""How the loyalty app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_target, activity_type, choice
from kazan.customers.activity_types import CHANNEL, customer_names
from kazan.loyalty.models import Review, Voucher


@activity_target("loyalty.review")
def _reviews(ids, viewer):
    rows = list(Review.objects.filter(pk__in=ids).values_list("pk", "customer_id"))
    names = customer_names([customer for _pk, customer in rows if customer])
    return {pk: names.get(customer) or _("a customer") for pk, customer in rows}


@activity_target("loyalty.voucher")
def _vouchers(ids, viewer):
    """ "voucher W7K2 for Anna": the code is what the counter staff type in."""
    rows = list(Voucher.objects.filter(pk__in=ids).values_list("pk", "code", "customer_id"))
    names = customer_names([customer for _pk, _code, customer in rows if customer])
    return {
        pk: _("the voucher %(code)s for %(name)s")
        % {"code": code, "name": names.get(customer) or _("a customer")}
        for pk, code, customer in rows
    }


KIND = Detail(t("Kind"), choice(Voucher.Kind.choices))

activity_type(
    "review.submitted",
    label=t("Review received"),
    sentence=t("%(target)s rated the business %(rating)s of 5 stars (via %(channel)s)"),
    details={"channel": CHANNEL},
)
activity_type(
    "voucher.issued",
    label=t("Voucher issued"),
    sentence=t("%(actor)s issued %(target)s (%(kind)s)"),
    details={"kind": KIND},
)
activity_type(
    "voucher.redeemed",
    label=t("Voucher redeemed"),
    sentence=t("%(actor)s redeemed %(target)s (%(kind)s)"),
    details={"kind": KIND},
)
activity_type(
    "voucher.redemption_undone",
    label=t("Redemption undone"),
    sentence=t("%(actor)s undid the redemption of %(target)s (%(kind)s); it is valid again"),
    details={"kind": KIND},
)
