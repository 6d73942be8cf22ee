from django.urls import path

from kazan.tenancy import public_views, views

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

# Under /accounts/ and in the "accounts" namespace (kazan/urls.py joins them with accounts' own):
# the link in invitation emails already sent keeps its address and name.
account_urlpatterns = [
    path(
        "invitations/<str:token>/",
        public_views.invitation_accept_view,
        name="invitation_accept",
    ),
]
