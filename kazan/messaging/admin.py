"""Admin views for support: messages (numbers masked), credit accounts and the ledger, all
read-only. Credits change only through the services (a staff adjustment is
`sms_credits_adjust`), so the ledger and the balance never disagree."""

from django.contrib import admin

from kazan.messaging.models import OutboundMessage, SmsCreditAccount, SmsCreditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "business",
        "recipient",
        "purpose",
        "status",
        "segments",
        "attempts",
        "provider",
        "created_at",
    ]
    list_filter = ["status", "purpose", "provider"]
    list_select_related = ["business"]
    search_fields = ["provider_message_id", "idempotency_key"]
    raw_id_fields = ["customer"]
    exclude = ["to", "to_index"]
    readonly_fields = ["recipient"]
    date_hierarchy = "created_at"

    @admin.display(description="to")
    def recipient(self, message: OutboundMessage) -> str:
        return message.to_masked


@admin.register(SmsCreditAccount)
class SmsCreditAccountAdmin(ReadOnlyAdmin):
    list_display = ["business", "balance", "updated_at"]
    list_select_related = ["business"]
    search_fields = ["business__slug", "business__name"]


@admin.register(SmsCreditEntry)
class SmsCreditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "business",
        "kind",
        "amount",
        "balance_after",
        "message",
        "reference",
        "actor",
    ]
    list_filter = ["kind"]
    list_select_related = ["business", "actor", "message"]
    search_fields = ["business__slug", "reference"]
    raw_id_fields = ["message", "actor"]
