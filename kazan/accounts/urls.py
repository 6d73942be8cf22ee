from django.urls import path

from kazan.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/verify/", views.login_verify, name="login_verify"),
    path("logout/", views.logout, name="logout"),
    path("password/forgot/", views.password_reset, name="password_reset"),
    path(
        "password/reset/<str:uidb64>/<str:token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("security/", views.security, name="security"),
    path("security/two-factor/enable/", views.totp_enable, name="totp_enable"),
    path("security/two-factor/disable/", views.totp_disable, name="totp_disable"),
    path(
        "security/two-factor/recovery-codes/",
        views.recovery_codes_regenerate,
        name="recovery_codes_regenerate",
    ),
    path("security/password/", views.password_change, name="password_change"),
]
