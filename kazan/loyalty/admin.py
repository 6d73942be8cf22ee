from django.contrib import admin

from kazan.loyalty.models import Review


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["id", "business", "rating", "channel", "created_at"]
    list_filter = ["rating", "channel"]
    list_select_related = ["business"]
    raw_id_fields = ["customer"]
