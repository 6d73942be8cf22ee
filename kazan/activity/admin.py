from django.contrib import admin

from kazan.activity.models import Activity


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, even for superusers."""

    list_display = [
        "created_at",
        "business",
        "actor",
        "actor_kind",
        "action",
        "target_type",
        "target_id",
    ]
    list_filter = ["actor_kind", "action"]
    list_select_related = ["business", "actor"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Activity._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
