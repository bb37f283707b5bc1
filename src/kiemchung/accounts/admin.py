"""Workspaces, members and tokens in the Django admin, for the people who run the server.

Day-to-day changes go through the newsroom's own pages (and their audit trail); the admin
only reads, except for one recovery: removing the two-factor device of someone who lost it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kiemchung.accounts.models import ApiToken, Member, TotpDevice, Workspace
from kiemchung.audit.services import audit_record


@never_cache
def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin's login is the app's own: its pause after failed attempts and two-factor
    login hold for the operators too, instead of Django's login form that has neither."""
    target = request.GET.get("next") or resolve_url("admin:index")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = resolve_url("admin:index")
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(target)
        # Logged in, but not one of the people who run the server: sending them to the login
        # would bring them straight back here.
        raise PermissionDenied(_("Trang quản trị máy chủ chỉ dành cho người vận hành."))
    return redirect(resolve_url("accounts:login") + "?" + urlencode({"next": target}))


admin.site.login = admin_login  # type: ignore[method-assign]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Workspace)
class WorkspaceAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "corrections_email", "require_2fa", "created_at")
    search_fields = ("name", "slug")


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("user", "workspace", "role", "is_active", "created_at")
    list_filter = ("workspace", "role", "is_active")
    search_fields = ("user__username", "user__email")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "member", "workspace", "last_used_at", "revoked_at")
    list_filter = ("workspace",)
    exclude = ("digest",)


@admin.register(TotpDevice)
class TotpDeviceAdmin(ReadOnlyAdmin):
    list_display = ("user", "confirmed", "created_at")
    search_fields = ("user__username", "user__email")
    exclude = ("secret", "last_used_step")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def delete_model(self, request: HttpRequest, obj: TotpDevice) -> None:
        self._record_reset(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TotpDevice]) -> None:
        for device in queryset:
            self._record_reset(request, device)
        super().delete_queryset(request, queryset)

    def _record_reset(self, request: HttpRequest, device: TotpDevice) -> None:
        memberships = Member.objects.select_related("workspace").filter(
            user_id=device.user_id, is_active=True
        )
        for member in memberships:
            audit_record(
                workspace=member.workspace,
                actor=request.user,  # type: ignore[arg-type]
                action="totp.reset",
                obj=device,
            )
