"""Admin building blocks shared by every app: who may enter the admin, geographic scope on every page and choice,
read-only workflow records, logged views of personal data, a local map widget, history from the database triggers."""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.gis.admin import GISModelAdmin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from landreg import roles
from landreg.access_log import log_personal_data_access
from landreg.admin_widgets import LocalMapWidget
from landreg.history import history_of
from landreg.models import DATASETS, HOUSEHOLD_FIELDS, DataSharingAgreement, PersonalDataAccess, UserScope
from landreg.scope import province_ids_in_scope

# --- Who enters the admin: administrators and GIS specialists (or superusers), active and staff ---

# Everyone else works in landreg's own pages, even if someone ticked "staff status" on them by hand.
ADMIN_SITE_ROLES = (roles.ADMINISTRATOR, roles.GIS_SPECIALIST)


def admin_site_admits(user) -> bool:
    """The admin's door: an active staff user holding the administrator or GIS specialist role, or a superuser."""
    return user.is_active and user.is_staff and roles.has_role(user, *ADMIN_SITE_ROLES)


class AdministratorLoginForm(AdminAuthenticationForm):
    """The admin's login form refuses the other roles with the same sentence as a wrong password, so the answer
    does not tell a guesser that the password was right."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter the correct %(username)s and password of an administrator or GIS specialist account. "
            "Land officers, committee members, field officers and partners sign in on landreg's own login page."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not admin_site_admits(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


# The project keeps Django's default admin site (every app registers on it); its door is ours. A refused user who
# is logged in is sent to the admin's login page, which says they are not authorised (templates/admin/login.html).
admin.site.has_permission = lambda request: admin_site_admits(request.user)
admin.site.login_form = AdministratorLoginForm


# --- Every model admin: scoped like the API, choices bounded, outside scope is "not found" ---


class LandregAdmin(GISModelAdmin):
    """The base of every landreg model admin.

    - Scope: `visible_to(user)` is the model's selector (the one the API uses); lists, change pages, history,
      autocomplete and the choices other admins offer for this model all go through it. Override it in each admin
      of a record that belongs to a province; configuration and reference tables keep the default (everything).
    - Personal data: set `logs_personal_data` and every list page and change page writes an access-log row.
    - Filters on related records offer only the records in the user's scope.
    """

    gis_widget = LocalMapWidget
    logs_personal_data = False

    def visible_to(self, user):
        return self.model._default_manager.all()

    def get_queryset(self, request):
        queryset = self.visible_to(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_field_queryset(self, db, db_field, request):
        """Choices for a foreign key or many-to-many field (select, raw id, autocomplete): only what the related
        model's admin shows this user, so a Herat user cannot attach a Nangarhar block."""
        try:
            related_admin = self.admin_site.get_model_admin(db_field.remote_field.model)
        except NotRegistered:
            return super().get_field_queryset(db, db_field, request)
        if isinstance(related_admin, LandregAdmin):
            return related_admin.get_queryset(request).using(db)
        return super().get_field_queryset(db, db_field, request)

    def get_list_filter(self, request):
        # Django's related-record filter lists every row of the related table (e.g. every township's name);
        # offer only those that occur in the user's scoped list.
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and get_fields_from_path(self.model, item)[-1].is_relation:
                item = (item, admin.RelatedOnlyFieldListFilter)
            filters.append(item)
        return filters

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django's change, delete and history views call this when get_object (scoped) finds nothing. Its own
        # answer redirects with the model and id in a message; outside scope and missing look the same: 404.
        raise Http404(_("There is no such record in your scope."))

    @staticmethod
    def _shown(response, name: str):
        """What a page rendered under `name` (the change list, the record), or None for a redirect, a file, a
        refusal."""
        if response.status_code != 200:
            return None
        return (getattr(response, "context_data", None) or {}).get(name)

    def _log_view(self, request, action: str, ids) -> None:
        log_personal_data_access(
            user=request.user, action=action, what=self.model._meta.label, ids=ids, where=request.path
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = self._shown(response, "cl")
        if self.logs_personal_data and changelist is not None:
            self._log_view(request, "list", [obj.pk for obj in changelist.result_list])
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = self._shown(response, "original")
        if self.logs_personal_data and original is not None:
            self._log_view(request, "view", [original.pk])
        return response

    def history_view(self, request, object_id, extra_context=None):
        """The object's history from the trigger-written event table, including edits made from QGIS."""
        if not hasattr(self.model, "history_events"):
            return super().history_view(request, object_id, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            return super().history_view(request, object_id, extra_context)
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %(record)s") % {"record": obj},
            "object": obj,
            "opts": self.model._meta,
            "events": history_of(obj),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/landreg_history.html", context)


class WorkflowRecordAdmin(LandregAdmin):
    """A workflow record or its evidence (allocations and their transitions, ballots, shelter projects, inspections,
    tranches, occupancy checks, reviews, assignments): shown, never added, changed or deleted here, by anyone.
    They change only through the services, which check roles, scope and the workflow and write its log."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """An inline list of workflow records under their parent: shown only."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _provinces_within_scope(queryset, user):
    """Rows whose provinces all lie in the user's scope (a user scope, an agreement): a provincial administrator
    manages what concerns their provinces only, and cannot see or widen a national one."""
    provinces = province_ids_in_scope(user)
    if provinces is None:
        return queryset
    # The provinces by their model's name: parcels sits above landreg.
    outside = apps.get_model("parcels", "AdminArea").objects.filter(level="province").exclude(pk__in=provinces)
    return queryset.exclude(provinces__in=outside)


class AdministratorOnly:
    """A page for administrators only (users, scope, agreements), whatever model permissions a role was given."""

    def _administrator(self, request) -> bool:
        return roles.has_role(request.user, roles.ADMINISTRATOR)

    def has_module_permission(self, request):
        return self._administrator(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._administrator(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self._administrator(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._administrator(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._administrator(request) and super().has_delete_permission(request, obj)


@admin.register(UserScope)
class UserScopeAdmin(AdministratorOnly, LandregAdmin):
    list_display = ["user", "national"]
    filter_horizontal = ["provinces", "townships"]
    search_fields = ["user__username"]

    def visible_to(self, user):
        scopes = UserScope.objects.select_related("user")
        if province_ids_in_scope(user) is None:
            return scopes
        return _provinces_within_scope(scopes.filter(national=False), user)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(AdministratorOnly, LandregAdmin):
    """The access log: evidence, shown only. It names records by id across provinces, so only national
    administrators read it."""

    list_display = ["at", "user", "action", "what", "where"]
    list_filter = ["action", "what"]
    date_hierarchy = "at"

    def visible_to(self, user):
        if province_ids_in_scope(user) is None:
            return PersonalDataAccess.objects.all()
        return PersonalDataAccess.objects.none()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DataSharingAgreementForm(forms.ModelForm):
    """Datasets and household fields are ticked from the fixed catalogue (landreg/models.py), nothing else."""

    datasets = forms.MultipleChoiceField(
        label=_("datasets shared"),
        choices=list(DATASETS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    household_fields = forms.MultipleChoiceField(
        label=_("household fields shared"),
        choices=[(code, label) for code, (label, _hxl) in HOUSEHOLD_FIELDS.items()],
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
class DataSharingAgreementAdmin(AdministratorOnly, LandregAdmin):
    """Administrators only: an agreement decides what leaves the ministry."""

    form = DataSharingAgreementForm
    list_display = ["reference", "partner_name", "valid_from", "valid_until", "signed_on"]
    list_filter = ["valid_until"]
    search_fields = ["reference", "partner_name"]
    filter_horizontal = ["users", "provinces"]

    def visible_to(self, user):
        return _provinces_within_scope(DataSharingAgreement.objects.all(), user)
