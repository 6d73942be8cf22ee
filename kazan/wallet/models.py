"""Seed 004's token wallet: a per-customer token ledger (append-only, the balance moved by one
conditional UPDATE as in the SMS credit ledger), token purchases through a payment gateway
(OxaPay, Stripe) and the premium subscription's periods."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kazan.core.db import AppendOnlyModel


def default_topup_amounts() -> list[int]:
    return [100, 250, 500, 1000, 2500]


class WalletSettings(models.Model):
    """What a business charges for tokens and premium, and when a balance counts as low."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="wallet_settings"
    )
    # The price of one token in minor units of `currency` (10 = 0.10 USD).
    token_price_minor = models.PositiveIntegerField(_("price of one token"), default=10)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    # The predefined top-up amounts offered as buttons; any amount in [min, max] may be typed.
    topup_amounts = models.JSONField(default=default_topup_amounts, blank=True)
    topup_min = models.PositiveIntegerField(_("smallest top-up"), default=50)
    topup_max = models.PositiveIntegerField(_("largest top-up"), default=100_000)
    # The gateway key top-ups and premium are paid through ("oxapay", "stripe", "manual").
    gateway = models.CharField(_("payment gateway"), max_length=20, default="oxapay")
    invoice_lifetime_minutes = models.PositiveIntegerField(default=60)
    premium_price_tokens = models.PositiveIntegerField(_("premium price in tokens"), default=500)
    premium_price_minor = models.PositiveIntegerField(_("premium price"), default=4900)
    premium_days = models.PositiveSmallIntegerField(_("premium days"), default=30)
    low_balance_threshold = models.PositiveIntegerField(_("low balance below"), default=50)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"wallet settings of {self.business_id}"


class TokenAccount(models.Model):
    """One customer's token balance. Only `ledger.entry_write` changes `balance`."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="token_account"
    )
    balance = models.IntegerField(default=0)
    # Set when the low-balance notice went out; cleared when the balance rises above it again,
    # so the notice is sent once per fall.
    low_balance_notified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="token_balance_gte_0"),
        ]
        indexes = [models.Index(fields=["business", "balance"], name="token_account_biz_idx")]

    def __str__(self) -> str:
        return f"tokens of customer {self.customer_id}"


class TokenEntryKind(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    ORDER = "order", _("Order")
    REFUND = "refund", _("Refund")
    ADJUSTMENT = "adjustment", _("Adjustment")
    PREMIUM = "premium", _("Premium")


class TokenEntry(AppendOnlyModel):
    """Append-only: one row per change of a balance; their sum is the balance."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(TokenAccount, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=12, choices=TokenEntryKind.choices)
    amount = models.IntegerField()  # signed: + tokens in, - tokens out
    balance_after = models.IntegerField()
    # What caused it ("purchase:12", "order:40"): with the kind it makes an entry idempotent
    # (an order is charged once and refunded once; a purchase credited once).
    reference = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 (unique, NULL = none)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The reason an admin gave for an adjustment; a short description otherwise.
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "token entries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "reference"], name="token_entry_once_per_reference"
            ),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="token_after_gte_0"),
            models.CheckConstraint(condition=~Q(amount=0), name="token_amount_not_zero"),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | ~Q(note=""), name="token_adjustment_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["business", "-created_at"], name="token_entry_biz_idx"),
            models.Index(fields=["account", "-created_at"], name="token_entry_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d} ({self.account_id})"


class PurchaseStatus(models.TextChoices):
    """The gateway's statuses normalised (OxaPay: Waiting → pending; Confirming, Paying →
    confirming; Paid; Expired; Failed; Cancelled / Refunded → cancelled)."""

    PENDING = "pending", _("Waiting for payment")
    CONFIRMING = "confirming", _("Confirming")
    PAID = "paid", _("Paid")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class TokenPurchase(models.Model):
    """A customer paying money for tokens or for a premium period, through a gateway."""

    class Purpose(models.TextChoices):
        TOKENS = "tokens", _("Tokens")
        PREMIUM = "premium", _("Premium")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="token_purchases"
    )
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.TOKENS)
    tokens = models.PositiveIntegerField(default=0)  # 0 for a premium period
    amount_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    gateway = models.CharField(max_length=20)
    # The gateway's id of the checkout (OxaPay's track id, Stripe's session id).
    reference = models.CharField(max_length=255, blank=True, default="")
    pay_url = models.URLField(max_length=1000, blank=True, default="")
    status = models.CharField(
        max_length=12, choices=PurchaseStatus.choices, default=PurchaseStatus.PENDING
    )
    # The gateway's own last word, as it said it ("Paying", "complete"), for reconciliation.
    gateway_status = models.CharField(max_length=32, blank=True, default="")
    # What the gateway reported as paid (minor units), kept to show mismatches.
    paid_amount_minor = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # expired, failed or cancelled
    last_polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "reference"],
                condition=~Q(reference=""),
                name="token_purchase_reference_unique",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "confirming", "paid", "expired", "failed", "cancelled"]
                ),
                name="token_purchase_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["business", "-created_at"], name="token_purchase_biz_idx"),
            models.Index(fields=["status", "created_at"], name="token_purchase_open_idx"),
        ]

    def __str__(self) -> str:
        return f"token purchase {self.pk}"


class PremiumPeriod(models.Model):
    """One paid premium period (seed 004 §3.3.3): a customer is premium while a period covers
    now. A renewal starts where the current period ends."""

    class Source(models.TextChoices):
        TOKENS = "tokens", _("Paid in tokens")
        GATEWAY = "gateway", _("Paid online")
        ADMIN = "admin", _("Granted by the team")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="premium_periods"
    )
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices)
    purchase = models.OneToOneField(
        TokenPurchase, null=True, blank=True, on_delete=models.SET_NULL, related_name="period"
    )
    # The expiry reminder (3 days before) went out for this period.
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-expires_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("starts_at")), name="premium_period_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["business", "customer", "-expires_at"], name="premium_cust_idx"),
            models.Index(fields=["expires_at"], name="premium_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"premium of customer {self.customer_id} until {self.expires_at:%Y-%m-%d}"
