from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    QR_SCAN = "qr_scan", _("QR scan")
    PAGE_VIEW = "page_view", _("Page view")
    DATA_ENTERED = "data_entered", _("Details entered")
    OTP_SENT = "otp_sent", _("Code sent")
    OTP_VERIFIED = "otp_verified", _("Phone verified")
    REVIEW_SUBMITTED = "review_submitted", _("Review")
    GOOGLE_REVIEW_CLICK = "google_review_click", _("Google review link opened")
    VOUCHER_ISSUED = "voucher_issued", _("Voucher issued")
    VOUCHER_REDEEMED = "voucher_redeemed", _("Voucher redeemed")
    SOCIAL_CLICK = "social_click", _("Social link click")
    LINK_CLICK = "link_click", _("Short link click")


class Event(models.Model):
    """Something countable that happened for a business (funnel steps, clicks). No personal data
    in `data`: ids, counts and names of things, never phones or text a customer typed."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["business", "kind", "occurred_at"], name="event_biz_kind_idx"),
            models.Index(fields=["kind", "occurred_at"], name="event_kind_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.business_id}"


class DailyCount(models.Model):
    """Events per business, kind and local day (the business's time zone), kept by atomic
    increments as events are recorded, so charts and the console never scan the event table."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "kind", "day"], name="dailycount_unique")
        ]
        indexes = [models.Index(fields=["kind", "day"], name="dailycount_kind_day_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}: {self.count}"
