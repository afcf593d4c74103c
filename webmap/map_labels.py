"""Translated names of the statuses, uses and kinds the map and the dashboard show, and the plot colours.

The models' choice labels are plain English; these are marked for translation so the map reads in Dari and
Pashto too. One table serves the map legend, the plot panel and the dashboard."""

from django.utils.translation import gettext_lazy as _

# Plot status → (label, colour). The colours stay apart for the common colour-blindnesses and in greyscale print.
PLOT_STATUSES = {
    "planned": (_("Planned"), "#bdbdbd"),
    "available": (_("Available"), "#4daf4a"),
    "reserved": (_("Reserved (proposed)"), "#ffd92f"),
    "allocated": (_("Allocated"), "#377eb8"),
    "handed_over": (_("Handed over"), "#984ea3"),
    "occupied": (_("Occupied"), "#1b3a6b"),
    "disputed": (_("Disputed"), "#ff7f00"),
    "usurped": (_("Usurped"), "#e41a1c"),
    "cancelled": (_("Cancelled"), "#6d4c41"),
}

PLOT_USES = {
    "residential": _("Residential"),
    "commercial": _("Commercial"),
    "public": _("Public"),
    "green": _("Green space"),
}

FACILITY_KINDS = {
    "water_point": _("Water point"),
    "school": _("School"),
    "clinic": _("Clinic"),
    "mosque": _("Mosque"),
    "market": _("Market"),
    "road_access": _("Road access point"),
}

ALLOCATION_STATUSES = {
    "proposed": _("Proposed"),
    "approved": _("Approved"),
    "assigned": _("Assigned"),
    "letter_issued": _("Allocation letter issued"),
    "handed_over": _("Handed over"),
    "occupied": _("Occupied"),
    "titled": _("Titled"),
    "appealed": _("Under appeal"),
    "suspended": _("Suspended"),
    "rejected": _("Rejected by the committee"),
    "revoked": _("Revoked"),
    "transferred": _("Transferred (inheritance)"),
}

REVOCATION_REASONS = {
    "non_occupancy": _("Non-occupancy"),
    "usurpation": _("Usurpation"),
    "fraud": _("Fraud"),
    "voluntary_return": _("Voluntary return"),
    "error": _("Error"),
}

HOUSEHOLD_CATEGORIES = {
    "documented_returnee": _("Documented returnee"),
    "undocumented_returnee": _("Undocumented returnee"),
    "deportee": _("Deportee"),
    "idp": _("Internally displaced person"),
    "host_community": _("Host community"),
}


def label(table: dict, code: str) -> str:
    value = table.get(code)
    if value is None:
        return code.replace("_", " ")
    return str(value[0] if isinstance(value, tuple) else value)
