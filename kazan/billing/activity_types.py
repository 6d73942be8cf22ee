"""How the billing app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import (
    Change,
    Detail,
    activity_target,
    activity_type,
    choice,
    date,
    field_names,
    money,
    number,
)

# The plan catalog's types live apart (this module is at its size limit).
from kazan.billing import activity_catalog  # noqa: F401 - registers them
from kazan.billing.models import (
    BankDetails,
    GatewayAccount,
    Payment,
    SmsPackage,
    Subscription,
    SubscriptionChange,
)

GATEWAYS = {
    "manual": t("bank transfer"),
    "stripe": "Stripe",
    "razorpay": "Razorpay",
    "oxapay": "OxaPay",
}


@activity_target("billing.subscription")
def _subscriptions(ids, viewer):
    rows = Subscription.objects.filter(pk__in=ids).values_list("pk", "package__name")
    return {pk: _("the SMS package “%(name)s”") % {"name": name} for pk, name in rows}


@activity_target("billing.payment")
def _payments(ids, viewer):
    from kazan.core.money import money_format

    rows = Payment.objects.filter(pk__in=ids).values_list("pk", "amount_minor", "currency")
    return {
        pk: _("the payment of %(amount)s") % {"amount": money_format(amount, currency)}
        for pk, amount, currency in rows
    }


def _package_names(entries) -> dict[int, dict[str, str]]:
    """The package's name instead of its key, for all entries at once (one query)."""
    keys = {entry.data.get("package") for entry in entries}
    names = dict(SmsPackage.objects.filter(key__in=keys).values_list("key", "name"))
    return {
        entry.pk: {"package": names[entry.data["package"]]}
        for entry in entries
        if entry.data.get("package") in names
    }


def _gateway(key, _data=None) -> str:
    return str(GATEWAYS.get(key, str(key).capitalize()))


def _terms_changes(data) -> list[Change]:
    """ "SMS per month: 200 → 300", "Price per month: 9,00 € → 12,00 €"."""
    old, new = data.get("old") or {}, data.get("new") or {}
    price = money()
    changes = []
    if old.get("sms_allowance") != new.get("sms_allowance"):
        allowance = [number(terms.get("sms_allowance")) for terms in (old, new)]
        changes.append(Change(_("SMS per month"), *allowance))
    if old.get("price_minor") != new.get("price_minor"):
        changes.append(
            Change(
                _("Price per month"),
                price(old.get("price_minor"), data),
                price(new.get("price_minor"), data),
            )
        )
    return changes


def _terms_reasons(entries) -> dict[int, dict[str, str]]:
    """The reason staff gave, from the internal log rows the entry names (one query)."""
    wanted = {
        entry.pk: [i for i in entry.data.get("change_ids") or [] if isinstance(i, int)]
        for entry in entries
    }
    reasons = dict(
        SubscriptionChange.objects.filter(
            pk__in={i for ids in wanted.values() for i in ids}
        ).values_list("pk", "reason")
    )
    return {
        pk: {"reason": next((reasons[i] for i in ids if i in reasons), "—")}
        for pk, ids in wanted.items()
    }


PACKAGE = Detail(t("Package"))
GATEWAY = Detail(t("Payment method"), _gateway)
AMOUNT = Detail(t("Amount"), money())

activity_type(
    "subscription.created",
    label=t("SMS package started"),
    sentence=t("%(actor)s started %(target)s with %(sms_allowance)s SMS per month"),
    details={"sms_allowance": Detail(t("SMS per month"), number)},
)
activity_type(
    "subscription.terms_changed",
    label=t("Package terms changed"),
    sentence=t("%(actor)s changed the package terms: %(reason)s"),
    changes=_terms_changes,
    load=_terms_reasons,
)
activity_type(
    "payment.started",
    label=t("Payment started"),
    sentence=t("%(actor)s started a payment of %(amount_minor)s for %(package)s by %(gateway)s"),
    details={"amount_minor": AMOUNT, "package": PACKAGE, "gateway": GATEWAY},
    load=_package_names,
)
activity_type(
    "payment.paid",
    label=t("Payment received"),
    sentence=t("%(actor)s confirmed that %(amount_minor)s arrived for %(package)s by %(gateway)s"),
    details={
        "amount_minor": AMOUNT,
        "package": PACKAGE,
        "gateway": GATEWAY,
        "sms_credits": Detail(t("SMS credits"), number),
    },
    load=_package_names,
)
activity_type(
    "payment.failed",
    label=t("Payment failed"),
    sentence=t("%(target)s by %(gateway)s failed"),
    details={"gateway": GATEWAY},
)
activity_type(
    "payment.cancelled",
    label=t("Payment cancelled"),
    sentence=t("%(actor)s cancelled %(target)s by %(gateway)s"),
    details={"gateway": GATEWAY},
)
activity_type(
    "allowance.granted",
    label=t("Monthly SMS granted"),
    sentence=t("%(sms)s SMS of the monthly allowance granted for %(month)s"),
    details={"sms": Detail(t("SMS"), number), "month": Detail(t("Month"), date)},
)
activity_type(
    "quota.warning_sent",
    label=t("SMS quota warning sent"),
    sentence=t("The owners were warned by email: %(percent_used)s %% of the SMS used"),
    details={"percent_used": Detail(t("Used (%)"), number), "level": Detail(t("Level (%)"))},
)


@activity_target("billing.bankdetails")
def _bank_details(ids, viewer):
    return {pk: _("the platform's bank details") for pk in ids}


activity_type(
    "billing.bank_details_changed",
    label=t("Bank details changed"),
    sentence=t("%(actor)s changed the platform's bank details"),
    details={
        "fields": Detail(t("Changed"), field_names(BankDetails)),
        "iban": Detail(t("IBAN")),
    },
    changes=lambda data: (
        [Change(_("IBAN"), *data["iban"])]
        if isinstance(data.get("iban"), list)
        and len(data["iban"]) == 2
        and data["iban"][0] != data["iban"][1]
        else []
    ),
)
activity_type(
    "payment.proforma_sent",
    label=t("Pro-forma invoice sent"),
    sentence=t("The pro-forma invoice for %(target)s was emailed to the owners"),
    details={"recipients": Detail(t("Recipients"), number)},
)


@activity_target("billing.gatewayaccount")
def _gateway_accounts(ids, viewer):
    rows = GatewayAccount.objects.filter(pk__in=ids).values_list("pk", "gateway")
    return {
        pk: _("the %(gateway)s merchant account") % {"gateway": _gateway(gateway)}
        for pk, gateway in rows
    }


activity_type(
    "gateway_account.connected",
    label=t("Payment account connected"),
    sentence=t("%(actor)s connected %(target)s"),
    details={"gateway": GATEWAY},
)
activity_type(
    "gateway_account.changed",
    label=t("Payment account key changed"),
    sentence=t("%(actor)s changed the key of %(target)s"),
    details={"gateway": GATEWAY},
)
activity_type(
    "gateway_account.removed",
    label=t("Payment account disconnected"),
    sentence=t("%(actor)s disconnected the %(gateway)s merchant account"),
    details={"gateway": GATEWAY},
)


# --- plans and subscriptions (seed 003 Task 2) -------------------------------------------------


@activity_target("billing.plansubscription")
def _plan_subscriptions(ids, viewer):
    from kazan.billing.models import PlanSubscription

    rows = PlanSubscription.objects.filter(pk__in=ids).values_list("pk", "plan__name")
    return {pk: _("the plan “%(name)s”") % {"name": name} for pk, name in rows}


activity_type(
    "plan.trial_started",
    label=t("Trial started"),
    sentence=t("The trial of %(target)s started; it ends on %(trial_ends_at)s"),
    details={"trial_ends_at": Detail(t("Trial ends"), date)},
)


# --- the plan subscription's life (lifecycle, decision 0034) -----------------------------------
# Every entry carries "old" and "new" (a status, a plan key or a date) and names the plan row.

PLAN_DATE = Detail(t("Period ends"), date)
PLAN_REASON = Detail(t("Reason"))
PLAN_STEP = {"old": Detail(t("Before")), "new": Detail(t("After")), "reason": PLAN_REASON}

activity_type(
    "plan.checkout_started",
    label=t("Plan checkout started"),
    sentence=t("%(actor)s started paying for the plan “%(plan)s” by %(gateway)s"),
    details={"gateway": GATEWAY, "amount_minor": AMOUNT, "interval": Detail(t("Interval"))},
)
activity_type(
    "plan.subscribed",
    label=t("Plan subscribed"),
    sentence=t("%(target)s is paid and active until %(period_end)s"),
    details={**PLAN_STEP, "gateway": GATEWAY, "period_end": PLAN_DATE},
)
activity_type(
    "plan.renewed",
    label=t("Plan renewed"),
    sentence=t("%(target)s was paid and runs until %(period_end)s"),
    details={**PLAN_STEP, "gateway": GATEWAY, "period_end": PLAN_DATE},
)
activity_type(
    "plan.upgraded",
    label=t("Plan upgraded"),
    sentence=t("%(actor)s upgraded from “%(old)s” to %(target)s"),
    details={**PLAN_STEP, "credit_minor": AMOUNT, "charge_minor": AMOUNT},
)
activity_type(
    "plan.downgrade_scheduled",
    label=t("Downgrade scheduled"),
    sentence=t("%(actor)s scheduled a change from “%(old)s” to “%(new)s” at the period's end"),
    details=PLAN_STEP,
)
activity_type(
    "plan.downgrade_withdrawn",
    label=t("Downgrade withdrawn"),
    sentence=t("%(actor)s kept %(target)s instead of changing to “%(old)s”"),
    details=PLAN_STEP,
)
activity_type(
    "plan.downgraded",
    label=t("Plan downgraded"),
    sentence=t("%(target)s replaced “%(old)s” at the new period"),
    details=PLAN_STEP,
)
activity_type(
    "plan.payment_failed",
    label=t("Plan payment failed"),
    sentence=t("A payment for %(target)s failed at %(gateway)s"),
    details={**PLAN_STEP, "gateway": GATEWAY, "amount_minor": AMOUNT},
)
activity_type(
    "plan.past_due",
    label=t("Plan past due"),
    sentence=t("%(target)s is past due: %(reason)s"),
    details=PLAN_STEP,
)
activity_type(
    "plan.dunning_sent",
    label=t("Payment reminder sent"),
    sentence=t("The owners were reminded by email that %(target)s is unpaid (reminder %(step)s)"),
    details={"step": Detail(t("Reminder"), number), "recipients": Detail(t("Recipients"), number)},
)
activity_type(
    "plan.suspended",
    label=t("Suspended for non-payment"),
    sentence=t("%(target)s stayed unpaid past the grace period: the business is suspended"),
    details=PLAN_STEP,
)
activity_type(
    "plan.reactivated",
    label=t("Plan reactivated"),
    sentence=t("%(target)s is paid again and active: %(reason)s"),
    details=PLAN_STEP,
)
activity_type(
    "plan.cancel_scheduled",
    label=t("Cancellation scheduled"),
    sentence=t("%(actor)s cancelled %(target)s at the end of its period"),
    details=PLAN_STEP,
)
activity_type(
    "plan.cancel_withdrawn",
    label=t("Cancellation withdrawn"),
    sentence=t("%(actor)s kept %(target)s after all"),
    details=PLAN_STEP,
)
activity_type(
    "plan.ended",
    label=t("Plan ended"),
    sentence=t("%(target)s ended: %(reason)s"),
    details=PLAN_STEP,
)
activity_type(
    "plan.paid_after_end",
    label=t("Paid after the plan ended"),
    sentence=t("An invoice of %(target)s was paid after it ended; it was not reactivated"),
    details={"amount_minor": AMOUNT},
)
activity_type(
    "plan.trial_ended",
    label=t("Trial ended"),
    sentence=t("The trial of %(target)s ended without a paid plan"),
    details=PLAN_STEP,
)
activity_type(
    "plan.renewal_invoiced",
    label=t("Renewal invoiced"),
    sentence=t("The next period of %(target)s was invoiced, due on %(due)s"),
    details={"due": Detail(t("Due"), date), "amount_minor": AMOUNT},
)
activity_type(
    "plan.terms_set",
    label=t("Custom plan terms set"),
    sentence=t("%(actor)s set custom terms for %(target)s: %(reason)s"),
    details={**PLAN_STEP, "amount_minor": AMOUNT, "interval": Detail(t("Interval"))},
)


# --- invoices, credit notes, billing profiles and tax rates (issue 14, invoices) ---------------


@activity_target("billing.invoice")
def _invoices(ids, viewer):
    from kazan.billing.models import Invoice

    rows = Invoice.objects.filter(pk__in=ids).values_list("pk", "kind", "number")
    return {
        pk: (
            _("the credit note %(number)s")
            if kind == Invoice.Kind.CREDIT_NOTE
            else _("the invoice %(number)s")
        )
        % {"number": number}
        for pk, kind, number in rows
    }


INVOICE_TOTAL = Detail(t("Total"), money())

activity_type(
    "invoice.issued",
    label=t("Invoice issued"),
    sentence=t("%(target)s was issued"),
    details={"total_minor": INVOICE_TOTAL, "gateway": GATEWAY},
)
activity_type(
    "invoice.paid",
    label=t("Invoice paid"),
    sentence=t("%(target)s was paid"),
)
activity_type(
    "invoice.emailed",
    label=t("Invoice emailed"),
    sentence=t("%(target)s was emailed"),
    details={"recipients": Detail(t("Recipients"), number)},
)
activity_type(
    "invoice.credited",
    label=t("Credit note issued"),
    sentence=t("%(actor)s issued %(target)s"),
    details={
        "total_minor": INVOICE_TOTAL,
        "refund": Detail(
            t("Refund"),
            choice(
                [
                    ("gateway", t("through the payment provider")),
                    ("bank", t("by bank transfer")),
                ]
            ),
        ),
    },
)
activity_type(
    "billing.profile_saved",
    label=t("Billing details changed"),
    sentence=t("%(actor)s changed the billing details"),
)
activity_type(
    "billing.tax_rate_set",
    label=t("Tax rate changed"),
    sentence=t("%(actor)s set the tax rate for %(country)s"),
    details={"country": Detail(t("Country"))},
)


# --- limits (staff's custom limits for one business) --------------------------------------------


def _override_changes(data) -> list[Change]:
    """ "FAQs: as the plan → 500" for each key whose override changed."""
    from kazan.billing.models import Plan
    from kazan.billing.queries.plans import PLAN_FIELDS

    old, new = data.get("old") or {}, data.get("new") or {}
    plans = _("as the plan")
    unlimited = _("unlimited")

    def shown(terms, key) -> str:
        if key not in terms:
            return plans
        value = terms[key]
        return unlimited if value is None else number(value)

    return [
        Change(
            str(getattr(Plan._meta.get_field(PLAN_FIELDS[key]), "verbose_name", key))
            if key in PLAN_FIELDS
            else key,
            shown(old, key),
            shown(new, key),
        )
        for key in sorted(set(old) | set(new))
        if old.get(key, "-") != new.get(key, "-")
    ]


activity_type(
    "plan.limits_changed",
    label=t("Plan limits changed"),
    sentence=t("%(actor)s changed the limits of %(target)s"),
    details={"reason": Detail(t("Reason"))},
    changes=_override_changes,
)
