from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from fazhi.accounts.models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["region", "unit", "officer", "school", "school_class"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "phone", "is_active", "is_superuser"]
    search_fields = ["username", "full_name", "phone"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("fazhi", {"fields": ["full_name", "phone", "must_change_password"]})]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "region", "unit", "officer", "school", "school_class"]
    list_filter = ["role"]
    raw_id_fields = ["user", "region", "unit", "officer", "school", "school_class"]
