"""Django admin for platform staff: the catalog, per-business terms (read-only: the console
changes them so every change is logged), payments (confirm manual ones with the action), the
terms' internal log and the processed webhook events (read-only)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kazan.billing import services
from kazan.billing.models import (
    GatewayEvent,
    Payment,
    SmsPackage,
    Subscription,
    SubscriptionChange,
)
from kazan.core.errors import KazanError


@admin.register(SmsPackage)
class SmsPackageAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "key",
        "sms_per_month",
        "price_minor",
        "currency",
        "active",
        "sort_order",
    )
    list_editable = ("active", "sort_order")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Read-only: staff give a business its own allowance or price in the platform console
    (services.subscription_terms_change), which writes the internal log with who and why."""

    list_display = (
        "business",
        "package",
        "sms_allowance",
        "price_minor",
        "currency",
        "current_period_start",
    )
    list_select_related = ("business", "package")
    search_fields = ("business__name", "business__slug")
    fields = (
        "business",
        "package",
        "sms_allowance",
        "price_minor",
        "currency",
        "current_period_start",
        "allowance_granted_for",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # created by billing.services.subscription_for


@admin.register(SubscriptionChange)
class SubscriptionChangeAdmin(admin.ModelAdmin):
    """The terms' internal log: append-only, written by billing.services."""

    list_display = (
        "changed_at",
        "business",
        "field",
        "old_value",
        "new_value",
        "changed_by",
        "payment",
        "reason",
    )
    list_filter = ("field",)
    list_select_related = ("business", "changed_by", "payment")
    search_fields = ("business__name", "business__slug")
    date_hierarchy = "changed_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "business",
        "package",
        "gateway",
        "amount_minor",
        "currency",
        "status",
        "created_at",
        "paid_at",
    )
    list_filter = ("status", "gateway")
    list_select_related = ("business", "package")
    search_fields = ("business__name", "gateway_reference")
    actions = ["confirm_payments"]

    def get_readonly_fields(self, request, obj=None):
        # Status moves only through services (conditional updates that credit once).
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Confirm selected manual payments (adds the credits)"))
    def confirm_payments(self, request, queryset) -> None:
        confirmed, refused = 0, 0
        for payment in queryset.select_related("business", "package"):
            try:
                services.payment_confirm(payment=payment, actor=request.user)
                confirmed += 1
            except KazanError:
                refused += 1
        if confirmed:
            self.message_user(
                request,
                ngettext("%d payment confirmed.", "%d payments confirmed.", confirmed) % confirmed,
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%d payment was not pending or not manual and was left as it was.",
                    "%d payments were not pending or not manual and were left as they were.",
                    refused,
                )
                % refused,
                messages.WARNING,
            )


@admin.register(GatewayEvent)
class GatewayEventAdmin(admin.ModelAdmin):
    list_display = ("gateway", "event_type", "event_id", "payment", "received_at")
    list_filter = ("gateway", "event_type")
    search_fields = ("event_id",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
