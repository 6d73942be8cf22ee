"""Plans, their prices and each business's plan subscription (seed 003 Task 2, seed 002 plans).

Invariants kept by the rows themselves:
- a business has one plan subscription (created with its trial), whose status changes only
  through billing.services, each change leaving a PlanChange row (append-only);
- a limit left empty (NULL) means unlimited; a business's `limit_overrides` (staff's custom
  terms, e.g. an Enterprise contract) win over its plan's;
- monthly usage counters move only by conditional UPDATEs (`used + n <= limit`), so concurrent
  takers never overshoot;
- a gateway's id for a subscription names at most one of ours.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.core.db import AppendOnlyModel


class Interval(models.TextChoices):
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class Plan(models.Model):
    """A plan of the catalog (Basic, Professional, Enterprise). Staff edit it in the console;
    a change of limits applies to every business on the plan at once."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True, default="")
    # Offered for self-service sign-up; a non-public plan (Enterprise) says "contact us" and is
    # given by staff with the business's own price.
    public = models.BooleanField(_("offered on the plans page"), default=True)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    # Limits: NULL is unlimited.
    faq_limit = models.PositiveIntegerField(_("FAQs"), null=True, blank=True)
    messages_monthly = models.PositiveIntegerField(_("messages per month"), null=True, blank=True)
    ai_messages_monthly = models.PositiveIntegerField(
        _("AI messages per month"), null=True, blank=True
    )
    channels_limit = models.PositiveIntegerField(
        _("connected channels (numbers, bots)"), null=True, blank=True
    )
    products_limit = models.PositiveIntegerField(_("products"), null=True, blank=True)
    team_members_limit = models.PositiveIntegerField(_("team members"), null=True, blank=True)
    analytics_days = models.PositiveIntegerField(
        _("analytics history (days)"), null=True, blank=True
    )
    api_access = models.BooleanField(_("API access"), default=False)
    white_label = models.BooleanField(_("white label"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name


class PlanPrice(models.Model):
    """What a plan costs per interval and currency, net of tax (tax is added on the invoice)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="prices")
    interval = models.CharField(_("interval"), max_length=5, choices=Interval.choices)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    amount_minor = models.PositiveIntegerField(_("price (minor units, net)"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["plan__sort_order", "interval", "currency"]
        verbose_name = _("plan price")
        verbose_name_plural = _("plan prices")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "interval", "currency"], name="billing_plan_price_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.interval} · {self.amount_minor} {self.currency}"


class GatewayPlanPrice(models.Model):
    """The gateway's own object for charging a plan price at one gross amount (a Stripe Price, a
    Razorpay Plan), created on first use and reused: gross differs by the buyer's tax rate."""

    gateway = models.CharField(max_length=20)
    plan_price = models.ForeignKey(PlanPrice, on_delete=models.CASCADE, related_name="+")
    amount_minor = models.PositiveIntegerField()  # gross: what the gateway charges
    external_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "plan_price", "amount_minor"], name="billing_gw_price_once"
            ),
            models.UniqueConstraint(
                fields=["gateway", "external_id"], name="billing_gw_price_external_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.external_id}"


class SubscriptionStatus(models.TextChoices):
    TRIALING = "trialing", _("Trial")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")


class PlanSubscription(models.Model):
    """A business's plan: what it may do and what it pays. One per business, made with its
    trial. The gateway holds the card and charges; this row is our word on the state, moved
    only by billing.services (webhooks, staff, the renewal and dunning jobs)."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="plan_subscription"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    # The price paid; NULL during the trial and for staff-given custom terms.
    price = models.ForeignKey(
        PlanPrice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    interval = models.CharField(_("interval"), max_length=5, choices=Interval.choices, blank=True)
    # The net amount per interval, copied from the price (staff may give custom terms).
    amount_minor = models.PositiveIntegerField(_("price (minor units, net)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.TRIALING,
    )
    gateway = models.CharField(_("gateway"), max_length=20, blank=True, default="")
    gateway_subscription_id = models.CharField(max_length=255, blank=True, default="")
    gateway_customer_id = models.CharField(max_length=255, blank=True, default="")
    trial_ends_at = models.DateTimeField(_("trial ends"), null=True, blank=True)
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(_("renews"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)  # when cancellation was asked
    ended_at = models.DateTimeField(null=True, blank=True)  # when it stopped (period end)
    # A downgrade waits for the period's end.
    pending_plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pending_price = models.ForeignKey(
        PlanPrice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    past_due_since = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    # When the newest gateway event applied to the state was made at the gateway: an older
    # event arriving late moves no status, period or cancellation back.
    gateway_event_at = models.DateTimeField(null=True, blank=True)
    # Staff's custom limits for this business: {"faqs": 500, "api_access": true, …} (the keys
    # of kazan.core.entitlements); they win over the plan's.
    limit_overrides = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan subscription")
        verbose_name_plural = _("plan subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "gateway_subscription_id"],
                condition=~Q(gateway_subscription_id=""),
                name="billing_plan_sub_gateway_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "current_period_end"], name="billing_plansub_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.business_id} · {self.plan_id} · {self.status}"


class PlanChange(AppendOnlyModel):
    """The internal log of a business's plan subscription: every change of plan, status, price
    or limits, with old → new, who (or which gateway event) and why. Append-only."""

    class Kind(models.TextChoices):
        TRIAL_STARTED = "trial_started", _("Trial started")
        SUBSCRIBED = "subscribed", _("Subscribed")
        UPGRADED = "upgraded", _("Upgraded")
        DOWNGRADE_SCHEDULED = "downgrade_scheduled", _("Downgrade scheduled")
        DOWNGRADE_WITHDRAWN = "downgrade_withdrawn", _("Downgrade withdrawn")
        DOWNGRADED = "downgraded", _("Downgraded")
        RENEWED = "renewed", _("Renewed")
        PAYMENT_FAILED = "payment_failed", _("Payment failed")
        PAST_DUE = "past_due", _("Past due")
        SUSPENDED = "suspended", _("Suspended")
        REACTIVATED = "reactivated", _("Reactivated")
        CANCEL_SCHEDULED = "cancel_scheduled", _("Cancellation scheduled")
        CANCEL_WITHDRAWN = "cancel_withdrawn", _("Cancellation withdrawn")
        ENDED = "ended", _("Ended")
        TERMS_CHANGED = "terms_changed", _("Terms changed")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(
        PlanSubscription, on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(_("change"), max_length=24, choices=Kind.choices)
    old_value = models.CharField(_("old value"), max_length=200, blank=True, default="")
    new_value = models.CharField(_("new value"), max_length=200, blank=True, default="")
    reason = models.CharField(_("reason"), max_length=500, blank=True, default="")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("changed by"),
    )
    # "stripe:evt_…" when a gateway's event caused it; "" for people and jobs.
    source = models.CharField(_("source"), max_length=300, blank=True, default="")
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        indexes = [
            models.Index(fields=["business", "-changed_at"], name="billing_planchange_biz_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.old_value} → {self.new_value}"


class UsageCounter(models.Model):
    """Monthly use of a quota (messages, AI messages) by one business; `period` is "YYYY-MM"
    of the business's own calendar. Moved only by billing's quota_take."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    quota = models.CharField(max_length=20)
    period = models.CharField(max_length=7)
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "quota", "period"], name="billing_usage_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_id} {self.quota} {self.period}: {self.used}"


class DunningNotice(models.Model):
    """A past-due reminder sent to the owners: at most one per subscription, spell of being past
    due and step (claimed before sending, so a job run twice emails once)."""

    subscription = models.ForeignKey(PlanSubscription, on_delete=models.CASCADE, related_name="+")
    past_due_since = models.DateTimeField()
    step = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "past_due_since", "step"], name="billing_dunning_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} step {self.step}"
