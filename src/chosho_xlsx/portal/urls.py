from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

from chosho_xlsx.portal import admin, jobviews, listviews, noticeviews, views
from chosho_xlsx.portal.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(
        template_name="portal/login.html", redirect_authenticated_user=True,
        extra_context={"failures": settings.AXES_FAILURE_LIMIT}), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("mine/", views.mine, name="mine"),
    path("upload/", views.upload, name="upload_new"),
    path("template.xlsx", views.template, name="template"),
    path("uploads/<int:pk>/", views.upload_page, name="upload"),
    path("uploads/<int:pk>/file", views.upload_file, name="upload_file"),
    path("uploads/<int:pk>/annotated", views.upload_annotated, name="upload_annotated"),
    path("uploads/<int:pk>/findings.xlsx", views.upload_findings, name="upload_findings"),
    path("uploads/<int:pk>/fixes", views.upload_fixes, name="upload_fixes"),
    path("uploads/<int:pk>/preview.pdf", views.upload_preview, name="upload_preview"),
    path("uploads/<int:pk>/submit", views.submit, name="submit"),
    path("policies/<int:pk>/", views.policy_page, name="policy"),
    path("policies/<int:pk>/template.xlsx", views.template, name="policy_template"),
    path("policies/<int:pk>/diff/", views.policy_diff, name="policy_diff"),
    path("policies/<int:pk>/diff.xlsx", views.policy_diff, {"xlsx": True}, name="policy_diff_xlsx"),
    path("policies/<int:pk>/rollover.xlsx", views.policy_rollover, name="policy_rollover"),
    path("policies/<int:pk>/return", views.policy_return, name="policy_return"),
    path("policies/<int:pk>/lock", views.policy_lock, name="policy_lock"),
    path("policies/<int:pk>/unlock", views.policy_unlock, name="policy_unlock"),
    path("policies/<int:pk>/withdraw", views.policy_withdraw, name="policy_withdraw"),
    path("policies/<int:pk>/assign", views.policy_assign, name="policy_assign"),
    path("policies/new", views.policy_register, name="policy_register"),
    path("policies/list/", listviews.policy_list, name="policy_list"),
    path("policies/list/import", listviews.policy_list_import, name="policy_list_import"),
    path("policies/<int:pk>/rename", listviews.policy_rename, name="policy_rename"),
    path("policies/<int:pk>/merge", listviews.policy_merge, name="policy_merge"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("builds/", views.build, name="build"),
    path("builds/<int:pk>.zip", views.build_file, name="build_file"),
    path("audit/", views.audit, name="audit"),
    path("deadline", noticeviews.deadline, name="deadline"),
    path("account/", noticeviews.account, name="account"),
    path("jobs/", jobviews.jobs, name="jobs"),
    path("jobs/new", jobviews.job_start, name="job_start"),
    path("jobs/<int:pk>/", jobviews.job_page, name="job"),
    path("jobs/<int:pk>/status.json", jobviews.job_status, name="job_status"),
    path("jobs/<int:pk>/cancel", jobviews.job_cancel, name="job_cancel"),
    path("jobs/<int:pk>/result", jobviews.job_result, name="job_result"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

# Under /api/ these answer in the API's JSON shape; elsewhere they are Django's pages.
handler400 = "chosho_xlsx.portal.api.errors.bad_request"
handler404 = "chosho_xlsx.portal.api.errors.page_not_found"
handler500 = "chosho_xlsx.portal.api.errors.server_error"
