"""The Django admin for the planning division, in Japanese (LANGUAGE_CODE): the portal's
records to look up, filter and search. Read-only: every change goes through the portal's
pages and commands, which write the audit log (Event); an edit here would not."""

from __future__ import annotations

from django.contrib import admin
from django.template.loader import render_to_string

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.models import Assignment, Build, Event, Policy, Profile, Upload
from chosho_xlsx.portal.services.review import status_of


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


@admin.display(description="実施年度", ordering="fiscal_year")
def year_label(obj) -> str:
    """The year as the pages show it: R6, not 2024."""
    return fiscal.label(obj.fiscal_year)


class YearFilter(admin.SimpleListFilter):
    title = "実施年度"
    parameter_name = "year"
    field = "fiscal_year"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).values_list(self.field, flat=True).distinct()
        return [(y, fiscal.label(y)) for y in sorted(set(years), reverse=True)]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class UploadYearFilter(YearFilter):
    field = "policy__fiscal_year"


@admin.register(Profile, site=site)
class ProfileAdmin(ReadOnly):
    list_display = ("user", "role", "section")
    list_filter = ("role", "section")
    search_fields = ("user__username", "section")
    exclude = ("token_hash",)


@admin.register(Policy, site=site)
class PolicyAdmin(ReadOnly):
    list_display = (year_label, "name", "section", "status", "current", "submitted", "created")
    list_filter = (YearFilter, "state", "section")
    search_fields = ("name", "section")

    @admin.display(description="状況")
    def status(self, obj) -> str:
        """As the pages show it (workflow.status): 警告あり, 差し戻し, 確定 …"""
        return status_of(obj)


@admin.register(Assignment, site=site)
class AssignmentAdmin(ReadOnly):
    list_display = ("policy", "section")
    search_fields = ("policy__name", "section")


@admin.register(Upload, site=site)
class UploadAdmin(ReadOnly):
    list_display = ("__str__", "filename", "user", "created", "readable", "errors", "warnings")
    list_filter = ("readable", UploadYearFilter)
    search_fields = ("policy__name", "filename", "sha256", "user__username")
    exclude = ("findings",)
    readonly_fields = ("findings_table",)

    @admin.display(description="確認結果")
    def findings_table(self, obj) -> str:
        """The findings as the version's page lists them, not as a JSON blob."""
        return render_to_string("portal/_findings.html", {"findings": obj.findings})


@admin.register(Build, site=site)
class BuildAdmin(ReadOnly):
    list_display = ("__str__", year_label, "policies", "user", "created")
    list_filter = (YearFilter,)


@admin.register(Event, site=site)
class EventAdmin(ReadOnly):
    list_display = ("created", "action", "user", "policy", "upload", "comment")
    list_filter = ("action",)
    search_fields = ("comment", "policy__name", "user__username")
