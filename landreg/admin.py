"""Admin building blocks shared by every app: local map widget, history from the database triggers."""

from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from landreg.admin_widgets import LocalMapWidget
from landreg.history import history_of
from landreg.models import PersonalDataAccess, UserScope


class LandregAdmin(GISModelAdmin):
    gis_widget = LocalMapWidget

    def history_view(self, request, object_id, extra_context=None):
        """The object's history from the trigger-written event table, including edits made from QGIS."""
        if not hasattr(self.model, "history_events"):
            return super().history_view(request, object_id, extra_context)
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_or_change_permission(request, obj):
            return super().history_view(request, object_id, extra_context)
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "object": obj,
            "opts": self.model._meta,
            "events": history_of(obj),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/landreg_history.html", context)


@admin.register(UserScope)
class UserScopeAdmin(admin.ModelAdmin):
    list_display = ["user", "national"]
    filter_horizontal = ["provinces", "townships"]
    search_fields = ["user__username"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "what", "where"]
    list_filter = ["action", "what"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
