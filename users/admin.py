from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .forms import PhoneAdminAuthenticationForm
from .models import Organization, OrganizationUser, User

admin.site.login_form = PhoneAdminAuthenticationForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["phone_number"]
    list_display = ["phone_number", "own_name", "is_staff", "is_superuser", "last_login"]
    search_fields = ["phone_number", "own_name"]
    fieldsets = [
        (None, {"fields": ["phone_number", "password"]}),
        ("Person", {"fields": ["own_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["phone_number", "own_name", "password1", "password2"]})]
    filter_horizontal = []
    list_filter = ["is_staff", "is_superuser", "is_active"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "default_region"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(OrganizationUser)
class OrganizationUserAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "organization", "role", "added_directly", "added_at"]
    list_filter = ["role", "organization"]
    raw_id_fields = ["user", "added_by"]
