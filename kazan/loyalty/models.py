from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Review(models.Model):
    """A customer's in-chat feedback (stars and a comment). Public Google reviews are never
    stored or rewarded here: the voucher rewards the visit and this feedback only."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    channel = models.CharField(max_length=16, default="web")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            )
        ]
        indexes = [models.Index(fields=["business", "-created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rating}★ review #{self.pk}"


class Voucher(models.Model):
    """A one-time discount code. The welcome gift rewards the visit and the in-chat feedback; a
    campaign may carry one too. Never tied to a public (Google) review."""

    class Kind(models.TextChoices):
        WELCOME = "welcome", _("Welcome gift")
        CAMPAIGN = "campaign", _("Campaign")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vouchers",
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=16)
    discount_text = models.CharField(_("discount"), max_length=120)
    expires_at = models.DateTimeField(_("expires"))
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "code"], name="voucher_code_per_business"),
            # One welcome gift per customer per business, ever.
            models.UniqueConstraint(
                fields=["business", "customer"],
                condition=models.Q(kind="welcome"),
                name="voucher_one_welcome_per_customer",
            ),
        ]
        indexes = [models.Index(fields=["business", "-created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"voucher {self.code}"
