"""The URL map. PRODUCT.md lists these addresses as a stable interface."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cfp.views import accounts, personal_data, profile, public
from cfp.views import languages as language_views
from cfp.views import mentoring as mentoring_views
from cfp.views import settings as settings_views
from common import views as common_views
from reviews.api import api

urlpatterns = [
    path("", public.home, name="home"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/verify/<str:token>/", accounts.verify_email, name="verify_email"),
    path("accounts/password_reset/", accounts.password_reset, name="password_reset"),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("me/profile/", profile.profile, name="profile"),
    path("me/data/", personal_data.my_data, name="my_data"),
    path("me/data/export.json", personal_data.export, name="my_data_export"),
    path("me/data/delete/", personal_data.delete_account, name="delete_account"),
    path("me/data/calls/<slug:slug>/purge/", personal_data.purge_call, name="purge_call"),
    path("me/settings/", settings_views.settings_page, name="settings"),
    path("i18n/setlang/", language_views.set_language, name="set_language"),
    path("calls/", include("cfp.urls")),
    # Mentoring (issue 25): a mentor's list and a matched proposal; a reviewer volunteers.
    path("mentor/<slug:slug>/", mentoring_views.mentor_home, name="mentor_home"),
    path("mentor/<slug:slug>/volunteer/", mentoring_views.volunteer, name="mentor_volunteer"),
    path(
        "mentor/<slug:slug>/<str:code>/",
        mentoring_views.mentor_proposal,
        name="mentor_proposal",
    ),
    path("review/", include("reviews.urls")),
    path("chair/", include("reviews.chair_urls")),
    path("chair/", include("reviews.invitation_urls")),
    path("chair/", include("reviews.curation_urls")),
    path("chair/", include("cfp.chair_urls")),
    # Staff create and copy calls without the admin (issue 19).
    path("staff/calls/", include("reviews.staff_urls")),
    path("", include("diversity.urls")),
    path("api/v1/", api.urls),
    path("healthz", common_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler400 = "common.views.bad_request"
handler403 = "common.views.forbidden"
handler404 = "common.views.not_found"
handler500 = "common.views.server_error"
