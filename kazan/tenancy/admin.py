"""Django admin for tenants. Token and key hashes are never shown; invitations and API keys are
made in the product (their secrets are shown once), so the admin cannot add them."""

from django.contrib import admin

from kazan.tenancy.models import ApiKey, Business, Invitation, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["id", "slug", "name", "country", "status", "created_at"]
    list_filter = ["status", "country", "language"]
    search_fields = ["slug", "name"]
    readonly_fields = ["client_id", "created_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["id", "business", "user", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["business", "user"]
    search_fields = ["business__slug", "business__name", "user__name"]
    raw_id_fields = ["business", "user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["id", "business", "role", "status", "created_at", "expires_at"]
    list_filter = ["role"]
    list_select_related = ["business"]
    search_fields = ["business__slug", "business__name"]
    readonly_fields = (
        "business",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["id", "business", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["business"]
    search_fields = ["business__slug", "name", "prefix"]
    readonly_fields = (
        "business",
        "name",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
