from django.urls import path

from kazan.tenancy import views

app_name = "team"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("invitations/", views.invitation_create, name="invitation_create"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("members/<int:membership_id>/role/", views.member_role_change, name="member_role"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("api-keys/", views.api_key_create, name="api_key_create"),
    path("api-keys/<int:api_key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
