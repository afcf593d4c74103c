"""Admin for movement records: shown to administrators (and, for the records without personal data, GIS
specialists) within their provinces, as the selectors scope them. Arrivals and location entries are personal
data: shown only, never with an ID number in clear (the last digits only), and every list and page is logged.
They are written through the services (border registration, the location history), which hash ID numbers, look
for duplicates and record the evidence; the admin would skip them."""

from django.contrib import admin

from landreg.admin import LandregAdmin, ReadOnlyInline, WorkflowRecordAdmin
from movements.models import (
    Arrival,
    ArrivalMember,
    ArrivalReview,
    FlowCount,
    HouseholdLocation,
    IdpSite,
    SitePopulationEstimate,
)
from movements.selectors import (
    arrivals_visible_to,
    flow_counts_visible_to,
    household_locations_visible_to,
    idp_sites_visible_to,
)


class ArrivalMemberInline(ReadOnlyInline):
    model = ArrivalMember
    fields = ["relationship", "name", "father_name", "sex", "age_band", "date_of_birth", "tazkira_last4", "por_last4"]
    readonly_fields = fields


@admin.register(Arrival)
class ArrivalAdmin(WorkflowRecordAdmin):
    list_display = ["id", "crossing_point", "crossed_at", "direction", "category", "travelling", "household"]
    list_filter = ["crossing_point", "direction", "category", "travelling", "is_demo"]
    date_hierarchy = "crossed_at"
    exclude = ["repatriation_form_hash"]
    readonly_fields = ["repatriation_form_last4", "client_uuid"]
    inlines = [ArrivalMemberInline]
    logs_personal_data = True

    def visible_to(self, user):
        return arrivals_visible_to(user).select_related("household")


@admin.register(ArrivalReview)
class ArrivalReviewAdmin(WorkflowRecordAdmin):
    """Decided on the officers' pages (arrival_review_decide); shown here only, both sides in the user's scope."""

    list_display = ["arrival", "candidate", "reason", "decision", "decided_by", "created_at"]
    list_filter = ["decision"]
    logs_personal_data = True

    def visible_to(self, user):
        from households.selectors import households_visible_to  # noqa: PLC0415

        return ArrivalReview.objects.filter(
            arrival__in=arrivals_visible_to(user), candidate__in=households_visible_to(user)
        )


@admin.register(HouseholdLocation)
class HouseholdLocationAdmin(WorkflowRecordAdmin):
    """Append-only in the database (household_location_history_is_append_only): shown only."""

    list_display = ["household", "status", "since", "province", "site", "recorded_in", "recorded_by"]
    list_filter = ["status", "province"]
    logs_personal_data = True

    def visible_to(self, user):
        return household_locations_visible_to(user)


@admin.register(FlowCount)
class FlowCountAdmin(WorkflowRecordAdmin):
    """Entered on the page or imported (movements/flows.py), which replace a day's counts as a whole."""

    list_display = ["day", "crossing_point", "direction", "category", "travelling", "source", "total"]
    list_filter = ["crossing_point", "source", "direction", "category"]
    date_hierarchy = "day"

    def visible_to(self, user):
        return flow_counts_visible_to(user)


class EstimateInline(ReadOnlyInline):
    model = SitePopulationEstimate
    fields = [
        "round",
        "assessed_on",
        "method",
        "arrival_idps",
        "returned_idps",
        "returnees_from_abroad",
        "out_migrants",
    ]
    readonly_fields = fields


@admin.register(IdpSite)
class IdpSiteAdmin(LandregAdmin):
    """Sites hold no personal data: an administrator or GIS specialist corrects them here, within their provinces;
    the database keeps a site inside its province (idp_site_inside_its_province)."""

    list_display = ["code", "name", "kind", "province", "district", "is_demo"]
    list_filter = ["kind", "province"]
    search_fields = ["code", "name", "name_prs", "name_ps"]
    inlines = [EstimateInline]

    def visible_to(self, user):
        return idp_sites_visible_to(user)
