"""Invoices, credit notes, the numbering that leaves no gaps, billing profiles and tax rates.

Invariants kept by the rows themselves:
- an invoice is numbered when it is issued, in the same transaction that takes the next number
  of its series and year from InvoiceSequence (locked), so numbers are sequential with no gaps;
  there are no drafts, and an issued invoice is never deleted (a refund is a credit note);
- total = subtotal + tax, all in minor units of one currency;
- the buyer's details are a snapshot taken at issue: a later change of the billing profile never
  rewrites an issued document;
- a gateway's invoice id names at most one of ours, so a replayed webhook issues nothing twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kazan.core.fields import EncryptedTextField


class BillingProfile(models.Model):
    """Whom the platform invoices: the business's legal name, address and VAT id."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="billing_profile"
    )
    legal_name = models.CharField(_("legal name"), max_length=140)
    address_line1 = models.CharField(_("address"), max_length=140)
    address_line2 = models.CharField(_("address (line 2)"), max_length=140, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=80)
    country = models.CharField(_("country"), max_length=2)
    vat_id = models.CharField(_("VAT id"), max_length=20, blank=True, default="")
    # Where invoices are emailed (else the owners); encrypted like every email address.
    email = EncryptedTextField(_("invoice email"), blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("billing profile")
        verbose_name_plural = _("billing profiles")

    def __str__(self) -> str:
        return self.legal_name


class TaxRate(models.Model):
    """The VAT rate charged to buyers in a country (staff keep it current in the console)."""

    country = models.CharField(_("country"), max_length=2, unique=True)
    rate = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2)
    name = models.CharField(_("name"), max_length=40, default="VAT")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country"]
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lt=100), name="billing_tax_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.rate} %"


class InvoiceSequence(models.Model):
    """The last number given in a series ("invoice", "credit_note") and year."""

    series = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="billing_sequence_once"),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_number}"


class Invoice(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")  # issued, waiting for payment (a bank transfer, a retry)
        PAID = "paid", _("Paid")
        VOID = "void", _("Void")  # cancelled by a credit note before it was paid
        CREDITED = "credited", _("Credit note")  # a credit note: settled by issuing it

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="invoices"
    )
    subscription = models.ForeignKey(
        "billing.PlanSubscription",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField(_("issued"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    subtotal_minor = models.IntegerField(_("net"))
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=0)
    tax_minor = models.IntegerField(_("tax"), default=0)
    total_minor = models.IntegerField(_("total"))
    reverse_charge = models.BooleanField(_("reverse charge"), default=False)
    tax_note = models.CharField(max_length=300, blank=True, default="")
    # The buyer at issue (a snapshot; the profile may change later).
    buyer_name = models.CharField(max_length=140)
    buyer_address = models.TextField(blank=True, default="")
    buyer_country = models.CharField(max_length=2, blank=True, default="")
    buyer_vat_id = models.CharField(max_length=20, blank=True, default="")
    buyer_email = EncryptedTextField(blank=True, default="")
    # The seller at issue (settings.KAZAN_SELLER_*), printed as it was.
    seller = models.TextField(blank=True, default="")
    # Bank transfer: the reference the payer writes on the transfer.
    payment_reference = models.CharField(max_length=40, blank=True, default="")
    gateway = models.CharField(max_length=20, blank=True, default="")
    gateway_invoice_id = models.CharField(max_length=255, blank=True, default="")
    credit_note_for = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    pdf = models.FileField(upload_to="private/invoices/", blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "sequence"], name="billing_invoice_sequence_unique"
            ),
            models.UniqueConstraint(
                fields=["gateway", "gateway_invoice_id"],
                condition=~Q(gateway_invoice_id=""),
                name="billing_invoice_gateway_unique",
            ),
            models.CheckConstraint(
                condition=Q(total_minor=F("subtotal_minor") + F("tax_minor")),
                name="billing_invoice_total_adds_up",
            ),
        ]
        indexes = [
            models.Index(fields=["business", "-issued_at"], name="billing_invoice_biz_idx"),
            models.Index(fields=["status", "due_at"], name="billing_invoice_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField(default=1)
    # Negative for a proration credit ("unused time on Basic").
    unit_amount_minor = models.IntegerField()
    amount_minor = models.IntegerField()
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.description
