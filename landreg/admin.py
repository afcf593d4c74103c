"""Admin building blocks shared by every app: local map widget, history from the database triggers."""

from django import forms
from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from landreg import roles, sharing
from landreg.admin_widgets import LocalMapWidget
from landreg.history import history_of
from landreg.models import DataSharingAgreement, PersonalDataAccess, UserScope


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


class DataSharingAgreementForm(forms.ModelForm):
    """Datasets and household fields are ticked from the fixed catalogue (landreg/sharing.py), nothing else."""

    datasets = forms.MultipleChoiceField(
        label=_("datasets shared"),
        choices=list(sharing.DATASETS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    household_fields = forms.MultipleChoiceField(
        label=_("household fields shared"),
        choices=[(code, label) for code, (label, _hxl) in sharing.HOUSEHOLD_FIELDS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Only for household records. Names, ID numbers, phone numbers and GPS points are never shared."),
    )

    class Meta:
        model = DataSharingAgreement
        fields = [
            "reference",
            "partner_name",
            "users",
            "purpose",
            "signed_on",
            "valid_from",
            "valid_until",
            "provinces",
            "datasets",
            "household_fields",
        ]


@admin.register(DataSharingAgreement)
class DataSharingAgreementAdmin(LandregAdmin):
    """Administrators only: an agreement decides what leaves the ministry."""

    form = DataSharingAgreementForm
    list_display = ["reference", "partner_name", "valid_from", "valid_until", "signed_on"]
    list_filter = ["valid_until"]
    search_fields = ["reference", "partner_name"]
    filter_horizontal = ["users", "provinces"]

    def _administrator(self, request) -> bool:
        return roles.has_role(request.user, roles.ADMINISTRATOR)

    def has_module_permission(self, request):
        return self._administrator(request)

    def has_view_permission(self, request, obj=None):
        return self._administrator(request)

    def has_add_permission(self, request):
        return self._administrator(request)

    def has_change_permission(self, request, obj=None):
        return self._administrator(request)

    def has_delete_permission(self, request, obj=None):
        return self._administrator(request)
