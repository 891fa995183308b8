from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from fazhi.org.models import Officer, Region, School, SchoolClass, Unit


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "region", "phone"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(School)
class SchoolAdmin(SimpleHistoryAdmin):
    list_display = ["name", "stage", "region"]
    list_filter = ["stage"]
    search_fields = ["name"]


@admin.register(SchoolClass)
class SchoolClassAdmin(SimpleHistoryAdmin):
    list_display = ["school", "school_year", "name", "homeroom_teacher", "student_count"]
    list_select_related = ["school"]
    search_fields = ["school__name", "name"]
    raw_id_fields = ["school"]


@admin.register(Officer)
class OfficerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "unit", "phone", "status"]
    list_filter = ["status"]
    list_select_related = ["unit"]
    search_fields = ["name", "phone"]
