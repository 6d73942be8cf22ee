"""Django admin for platform staff. Contact details are never listed in plaintext; customers are
created and erased through the services only (so blind indexes and the ledger stay consistent),
and the consent ledger is read-only."""

from django.contrib import admin

from kazan.customers.models import ConsentRecord, ConsentWording, Customer, Tag


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "business", "phone_masked", "language", "created_at", "erased_at"]
    list_filter = ["language", ("erased_at", admin.EmptyFieldListFilter)]
    list_select_related = ["business"]
    search_fields = ["name"]
    # Phone and email are shown masked and cannot be edited here: an edit would bypass the
    # normalization and leave the blind index pointing at the old value.
    fields = [
        "business",
        "name",
        "phone_masked",
        "email_masked",
        "language",
        "tags",
        "first_interaction_at",
        "last_interaction_at",
        "phone_verified_at",
        "erased_at",
        "created_at",
    ]
    readonly_fields = [
        "business",
        "phone_masked",
        "email_masked",
        "first_interaction_at",
        "last_interaction_at",
        "phone_verified_at",
        "erased_at",
        "created_at",
    ]
    filter_horizontal = ["tags"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        tags = form.base_fields.get("tags")
        if tags is not None:
            # Only the customer's own business's tags: another tenant's tag on this customer
            # would show its name on this business's pages.
            business_id = obj.business_id if obj is not None else None
            tags.queryset = Tag.objects.filter(business_id=business_id)
        return form

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting would cascade away the consent ledger; erasure is the way (dashboard or API).
        return False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "business"]
    list_select_related = ["business"]
    search_fields = ["name"]


@admin.register(ConsentWording)
class ConsentWordingAdmin(admin.ModelAdmin):
    """New versions may be added; a text once shown is never changed or removed."""

    list_display = ["purpose", "version", "language", "created_at"]
    list_filter = ["purpose", "language"]
    ordering = ["purpose", "-created_at", "language"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


_CONSENT_FIELDS = (
    "business",
    "customer",
    "purpose",
    "granted",
    "channel",
    "wording",
    "occurred_at",
)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["id", "business", "customer_id", "purpose", "granted", "channel", "occurred_at"]
    list_filter = ["purpose", "granted", "channel"]
    list_select_related = ["business"]
    fields = _CONSENT_FIELDS
    readonly_fields = _CONSENT_FIELDS

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
