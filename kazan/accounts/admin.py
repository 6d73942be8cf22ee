"""Django admin for people. The email is encrypted, so searching matches names, ids and (for a
full address) the email's blind index; password hashes and TOTP secrets are never shown."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from kazan.accounts.models import RecoveryCode, User, email_index


class KazanUserChangeForm(UserChangeForm):
    email = forms.EmailField(label=_("Email"), max_length=254)

    class Meta:
        model = User
        fields = (
            "email",
            "name",
            "language",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        )

    def clean_email(self):
        email = self.cleaned_data["email"]
        taken = User.objects.filter(email_index=email_index(email)).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another account uses this email address."))
        return email


class KazanUserCreationForm(AdminUserCreationForm):
    email = forms.EmailField(label=_("Email"), max_length=254)

    class Meta:
        model = User
        fields = ("email", "name")

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email_index=email_index(email)).exists():
            raise forms.ValidationError(_("Another account uses this email address."))
        return email


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = KazanUserChangeForm
    add_form = KazanUserCreationForm
    list_display = ["id", "name", "is_active", "is_staff", "two_factor", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["name"]
    ordering = ["-date_joined"]
    readonly_fields = ["last_login", "date_joined", "totp_enabled_at"]
    fieldsets = (
        (None, {"fields": ("email", "password", "name", "language")}),
        (_("Two-factor"), {"fields": ("totp_enabled_at",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "usable_password", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ("groups", "user_permissions")

    @admin.display(boolean=True, description=_("2FA"))
    def two_factor(self, obj: User) -> bool:
        return obj.has_totp

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if "@" in term:
            results = results | queryset.filter(email_index=email_index(term))
        elif term.isdigit():
            results = results | queryset.filter(pk=int(term))
        return results, may_have_duplicates


@admin.register(RecoveryCode)
class RecoveryCodeAdmin(admin.ModelAdmin):
    """Read-only: which codes exist and were used (hashes are not shown)."""

    list_display = ["id", "user", "created_at", "used_at"]
    list_select_related = ["user"]
    readonly_fields = ("user", "created_at", "used_at")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
