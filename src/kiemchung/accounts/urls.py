from django.contrib.auth.views import LogoutView
from django.urls import path

from kiemchung.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_totp, name="login_totp"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("security/", views.security, name="security"),
    path("security/2fa/", views.totp_setup, name="totp_setup"),
    path("security/2fa/disable/", views.totp_disable, name="totp_disable"),
    path("security/password/", views.password_change, name="password_change"),
    path("security/tokens/", views.token_create, name="token_create"),
    path("security/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("workspace/switch/", views.switch_workspace, name="switch_workspace"),
    path("workspace/", views.workspace_settings, name="workspace_settings"),
    path("members/", views.members, name="members"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/existing/", views.member_add_existing, name="member_add_existing"),
    path("members/<int:pk>/role/", views.member_role, name="member_role"),
    path("members/<int:pk>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path("members/<int:pk>/reactivate/", views.member_reactivate, name="member_reactivate"),
]
