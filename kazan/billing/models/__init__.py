"""SMS packages, each business's subscription, payments for upgrades and the webhook ledger.

Invariants kept by the rows themselves:
- a payment's status only moves forward (pending → paid / failed / cancelled), always through a
  conditional UPDATE in services (never `save()` of a status read earlier);
- a gateway event is processed at most once: (gateway, event_id) is unique;
- a gateway reference (e.g. a Stripe Checkout Session id) names at most one payment;
- a business has at most one merchant account per gateway, its credentials encrypted; a
  checkout opened on an account names it (GatewayCheckout), so only that account's signed
  callbacks may speak of it;
- a subscription's terms change only through services, each change leaving SubscriptionChange
  rows (append-only) with old → new, who and why: the internal log of spec §1.7.3.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.core.db import AppendOnlyModel
from kazan.core.fields import EncryptedTextField


class SmsPackage(models.Model):
    """The catalog: what a business can buy. Seeded by migration 0002; staff edit it in admin."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    sms_per_month = models.PositiveIntegerField(_("SMS per month"))
    price_minor = models.PositiveIntegerField(
        _("price (minor units)"), help_text=_("In cents: 900 is 9.00.")
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("SMS package")
        verbose_name_plural = _("SMS packages")
        constraints = [
            models.CheckConstraint(
                condition=Q(sms_per_month__gt=0), name="billing_package_sms_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """One per business. Allowance and price live here (copied from the package) so platform
    staff can give one business its own terms without touching the catalog."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="sms_subscription"
    )
    package = models.ForeignKey(SmsPackage, on_delete=models.PROTECT, related_name="+")
    sms_allowance = models.PositiveIntegerField(_("SMS per month"))
    price_minor = models.PositiveIntegerField(_("price (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    current_period_start = models.DateTimeField(_("current period start"), default=timezone.now)
    # "YYYY-MM" of the last monthly allowance granted; the monthly task skips rows already done.
    allowance_granted_for = models.CharField(max_length=7, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SMS subscription")
        verbose_name_plural = _("SMS subscriptions")

    def __str__(self) -> str:
        return f"{self.business} · {self.package}"


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="payments"
    )
    # What is bought: an SMS package, or a plan invoice (a subscription's charge).
    package = models.ForeignKey(
        SmsPackage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    gateway = models.CharField(_("gateway"), max_length=20)
    amount_minor = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    # What this payment buys, fixed when it is created (the catalog may change meanwhile).
    sms_credits = models.PositiveIntegerField(_("SMS credits"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # The gateway's id for this payment (Stripe: the Checkout Session id); blank for manual.
    gateway_reference = models.CharField(max_length=255, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # failed or cancelled
    # Manual payments: when the pro-forma invoice went to the owners (claimed before sending,
    # cleared again when sending failed, so it goes out once and is retried until it does).
    proforma_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "gateway_reference"],
                condition=~Q(gateway_reference=""),
                name="billing_payment_reference_unique",
            ),
            models.CheckConstraint(
                condition=Q(package__isnull=False) | Q(invoice__isnull=False),
                name="billing_payment_buys_something",
            ),
        ]
        indexes = [
            models.Index(fields=["business", "-created_at"], name="billing_pay_biz_idx"),
            # The console's revenue (paid payments by paid_at) and losses (by created_at).
            models.Index(fields=["status", "paid_at"], name="billing_pay_status_paid_idx"),
            models.Index(fields=["created_at"], name="billing_pay_created_idx"),
        ]

    def __str__(self) -> str:
        return f"payment #{self.pk} ({self.gateway}, {self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class GatewayEvent(models.Model):
    """Every webhook event processed, by the provider's id: a second delivery finds its row."""

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "event_id"], name="billing_event_unique")
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.event_type} {self.event_id}"


class GatewayAccount(models.Model):
    """A business's own merchant account at a gateway (its OxaPay merchant key): its customers
    pay into it instead of the platform's account. The account's callbacks arrive at a URL of
    their own (/hooks/<gateway>/<hook_key>/), so the right key checks their signature before
    anything of the body is read."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    gateway = models.CharField(max_length=20)
    # JSON object of the gateway's credential fields ({"merchant_api_key": …}), encrypted.
    credentials = EncryptedTextField()
    hook_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gateway account")
        verbose_name_plural = _("gateway accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "gateway"], name="billing_gateway_account_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} account of business {self.business_id}"

    def credential(self, name: str) -> str:
        """One credential field, "" when the account has none by that name."""
        value = json.loads(self.credentials or "{}").get(name, "")
        return value if isinstance(value, str) else ""


class GatewayCheckout(models.Model):
    """Which merchant account a gateway checkout was opened with (None: the platform's). The
    callback of one account may not speak of another's checkouts, and the payment-information
    call must use the key the checkout was made with."""

    gateway = models.CharField(max_length=20)
    reference = models.CharField(max_length=255)
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        GatewayAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Until when the payer may pay (None: unknown); closed_at: a final word arrived. An open
    # checkout keeps its account's key from being changed or removed.
    expires_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "reference"], name="billing_gateway_checkout_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} checkout {self.reference}"


class QuotaNotice(models.Model):
    """A quota warning email sent to the owners: at most one per business, period and level."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    period_start = models.DateTimeField()
    level = models.PositiveSmallIntegerField()  # 80 or 95
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "period_start", "level"], name="billing_notice_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_id} {self.level} % {self.period_start:%Y-%m-%d}"


class SubscriptionChange(AppendOnlyModel):
    """The internal log of a business's terms (spec §1.7.3): one row per changed field with
    old → new, who and why. Written in the same transaction as the change, while the
    subscription row is locked, so the rows of one field form an unbroken chain. Append-only
    (deleted only with the business)."""

    class Field(models.TextChoices):
        PACKAGE = "package", _("Package")
        SMS_ALLOWANCE = "sms_allowance", _("SMS per month")
        PRICE_MINOR = "price_minor", _("Price (minor units)")
        CURRENCY = "currency", _("Currency")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    # Numbers as decimal text, the package by key, the currency by ISO code.
    old_value = models.CharField(_("old value"), max_length=40)
    new_value = models.CharField(_("new value"), max_length=40)
    reason = models.CharField(_("reason"), max_length=500)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("changed by"),
    )
    # Set when buying a package switched the terms (then changed_by is the payer or nobody).
    payment = models.ForeignKey(
        Payment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("payment"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("subscription change")
        verbose_name_plural = _("subscription changes")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="billing_change_reason_given"),
            models.CheckConstraint(
                condition=~Q(old_value=F("new_value")), name="billing_change_changes_something"
            ),
        ]
        indexes = [
            models.Index(fields=["business", "-changed_at"], name="billing_change_biz_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"


class BankDetails(models.Model):
    """The platform's own bank account (one row, pk=1), where businesses transfer manual
    payments. Set by platform staff in the console (billing.services.bank_details_update, which
    validates the IBAN and BIC); a manual payment never shows a reference without these."""

    recipient = models.CharField(_("account holder"), max_length=140)
    iban = models.CharField(_("IBAN"), max_length=34)  # compact: no spaces, upper case
    bic = models.CharField(_("BIC"), max_length=11, blank=True, default="")
    bank_name = models.CharField(_("bank"), max_length=140)
    address = models.CharField(_("address"), max_length=250, blank=True, default="")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bank details")
        verbose_name_plural = _("bank details")

    def __str__(self) -> str:
        return f"{self.recipient} · {self.iban_masked}"

    @property
    def iban_formatted(self) -> str:
        """In groups of four, as printed on invoices: "DE89 3704 0044 0532 0130 00"."""
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))

    @property
    def iban_masked(self) -> str:
        """For logs: the country and the last four characters."""
        return f"{self.iban[:2]}…{self.iban[-4:]}" if self.iban else ""


# The plan and invoice tables live in their own modules; importing them here registers them.
from kazan.billing.models.invoices import (  # noqa: E402
    BillingProfile,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    TaxRate,
)
from kazan.billing.models.plans import (  # noqa: E402
    DunningNotice,
    GatewayPlanPrice,
    Interval,
    Plan,
    PlanChange,
    PlanPrice,
    PlanSubscription,
    SubscriptionStatus,
    UsageCounter,
)

__all__ = [
    "BankDetails",
    "BillingProfile",
    "DunningNotice",
    "GatewayAccount",
    "GatewayCheckout",
    "GatewayEvent",
    "GatewayPlanPrice",
    "Interval",
    "Invoice",
    "InvoiceLine",
    "InvoiceSequence",
    "Payment",
    "Plan",
    "PlanChange",
    "PlanPrice",
    "PlanSubscription",
    "QuotaNotice",
    "SmsPackage",
    "Subscription",
    "SubscriptionChange",
    "SubscriptionStatus",
    "TaxRate",
    "UsageCounter",
]
