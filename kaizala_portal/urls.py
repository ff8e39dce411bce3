from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from users import views as user_views
from users.forms import PhoneAuthenticationForm

from .converters import IdConverter
from .health import healthz

# Before the apps' URL modules are included below: their patterns name it.
register_converter(IdConverter, "id")

account_urls = [
    path("", user_views.account, name="account"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=PhoneAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", user_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

organization_urls = [
    path("", user_views.organization_home, name="organization_home"),
    path("users/bulk/", include("bulk_actions.urls")),
    path("users/", include("users.urls")),
    path("attributes/", include("attributes.urls")),
    path("imports/", include("imports.urls")),
    path("exports/", include("exports.urls")),
    path("groups/uploads/", include("group_imports.urls")),
    path("groups/", include("groups.urls")),
    path("actions/", include("actions.urls")),
    path("connectors/", include("connectors.urls")),
    path("settings/", include("groups.settings_urls")),
    path("reports/", include("reports.urls")),
    path("audit/", include("audit.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", user_views.home, name="home"),
    path("organizations/", user_views.organization_picker, name="organization_picker"),
    path("account/", include(account_urls)),
    path("o/<slug:org_slug>/", include(organization_urls)),
    path("admin/", admin.site.urls),
]
