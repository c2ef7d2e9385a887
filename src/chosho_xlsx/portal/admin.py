"""The Django admin for the planning division, in Japanese (LANGUAGE_CODE): the portal's
records to look up, filter and search. Read-only: every change goes through the portal's
pages and commands, which write the audit log (Event); an edit here would not."""

from __future__ import annotations

from django.contrib import admin

from chosho_xlsx.portal.models import Assignment, Build, Event, Policy, Profile, Upload


class PortalAdminSite(admin.AdminSite):
    site_header = "調書ポータル 管理（企画課）"
    site_title = "調書ポータル 管理"
    index_title = "登録内容の閲覧"

    def has_permission(self, request) -> bool:
        """The planning division's users (its role, not Django's is_staff flag)."""
        profile = getattr(request.user, "profile", None)  # the anonymous have none
        return request.user.is_active and profile is not None and profile.planning


site = PortalAdminSite(name="admin")


class ReadOnly(admin.ModelAdmin):
    list_per_page = 100

    def has_module_permission(self, request) -> bool:
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Profile, site=site)
class ProfileAdmin(ReadOnly):
    list_display = ("user", "role", "section")
    list_filter = ("role", "section")
    search_fields = ("user__username", "section")
    exclude = ("token_hash",)


@admin.register(Policy, site=site)
class PolicyAdmin(ReadOnly):
    list_display = ("fiscal_year", "name", "section", "state", "submitted", "created")
    list_filter = ("fiscal_year", "state", "section")
    search_fields = ("name", "section")


@admin.register(Assignment, site=site)
class AssignmentAdmin(ReadOnly):
    list_display = ("policy", "section")
    search_fields = ("policy__name", "section")


@admin.register(Upload, site=site)
class UploadAdmin(ReadOnly):
    list_display = ("policy", "version", "filename", "user", "created", "readable", "errors", "warnings")
    list_filter = ("readable", "policy__fiscal_year")
    search_fields = ("policy__name", "filename", "sha256", "user__username")


@admin.register(Build, site=site)
class BuildAdmin(ReadOnly):
    list_display = ("id", "fiscal_year", "policies", "user", "created")
    list_filter = ("fiscal_year",)


@admin.register(Event, site=site)
class EventAdmin(ReadOnly):
    list_display = ("created", "action", "user", "policy", "upload", "comment")
    list_filter = ("action",)
    search_fields = ("comment", "policy__name", "user__username")
