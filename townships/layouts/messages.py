"""Problems and repairs of a layout's features: stored as codes with parameters, turned into sentences when shown."""

from django.utils.translation import gettext_lazy

PROBLEMS = {
    "self_intersection": gettext_lazy(
        "The outline crosses itself near %(place)s. Redraw it so that no edge crosses another."
    ),
    "invalid_geometry": gettext_lazy("The outline is not a valid polygon (%(reason)s). Redraw it."),
    "outside_township": gettext_lazy("%(area)s m² of the plot lies outside the township boundary. Move or reshape it."),
    "overlap": gettext_lazy("The plot overlaps %(other)s by %(area)s m². Reshape one of them."),
    "duplicate_number": gettext_lazy(
        "Plot number %(number)s is used by %(count)s features of this file (features %(fids)s). Number each plot once."
    ),
    "sliver": gettext_lazy(
        "The plot is only %(area)s m², smaller than the %(min)s m² minimum: a sliver left by digitising. "
        "Delete it or merge it into its neighbour."
    ),
    "no_number": gettext_lazy("The feature has no plot number (attribute “%(field)s” is empty)."),
    "several_labels": gettext_lazy("Several number labels (%(labels)s) lie inside this outline; keep one."),
    "number_too_long": gettext_lazy("Plot number “%(number)s” is longer than %(max)s characters."),
    "unknown_block": gettext_lazy(
        "Block “%(block)s” does not exist in this township. Create the block first, or correct the code."
    ),
    "outside_block": gettext_lazy("%(area)s m² of the plot lies outside block %(block)s. Move or reshape it."),
    "unknown_use": gettext_lazy("Use “%(use)s” is not one of %(allowed)s. Correct it or map it on the import page."),
    "not_a_polygon": gettext_lazy("A %(type)s is not a plot outline: a plot must be a polygon or a closed polyline."),
    "multipart": gettext_lazy("The feature has %(parts)s separate parts; a plot is one polygon. Split it."),
    "open_outline": gettext_lazy("The polyline is not closed: its ends are %(gap)s m apart. Close it in the drawing."),
    "too_few_points": gettext_lazy("The outline has fewer than three corners."),
}
REPAIRS = {
    "ring_closed": gettext_lazy("Ring closed (its last corner was not its first)."),
    "polyline_closed": gettext_lazy("Polyline closed (its ends were %(gap)s m apart)."),
    "duplicate_vertex_removed": gettext_lazy("%(count)s repeated corner(s) removed."),
    "single_part": gettext_lazy("Multi-polygon with one part read as a polygon."),
}
# Short names of the reasons, for the report's summary.
REASON_LABELS = {
    "self_intersection": gettext_lazy("self-intersection"),
    "invalid_geometry": gettext_lazy("invalid outline"),
    "outside_township": gettext_lazy("outside the township"),
    "overlap": gettext_lazy("overlap"),
    "duplicate_number": gettext_lazy("duplicate number"),
    "sliver": gettext_lazy("sliver"),
    "no_number": gettext_lazy("no number"),
    "several_labels": gettext_lazy("several number labels"),
    "number_too_long": gettext_lazy("number too long"),
    "unknown_block": gettext_lazy("unknown block"),
    "outside_block": gettext_lazy("outside its block"),
    "unknown_use": gettext_lazy("unknown use"),
    "not_a_polygon": gettext_lazy("not a polygon"),
    "multipart": gettext_lazy("several parts"),
    "open_outline": gettext_lazy("open polyline"),
    "too_few_points": gettext_lazy("too few corners"),
}


def describe(kind: dict, entry: dict) -> str:
    table = PROBLEMS if kind is PROBLEMS else REPAIRS
    template = table.get(entry["code"])
    if template is None:
        return entry["code"]
    try:
        return str(template) % entry.get("params", {})
    except (KeyError, TypeError, ValueError):
        return str(template)


def problem_text(entry: dict) -> str:
    return describe(PROBLEMS, entry)


def repair_text(entry: dict) -> str:
    return describe(REPAIRS, entry)


def change_labels() -> dict:
    """What a layout changes in a matched plot, as the report names it."""
    return {"outline": gettext_lazy("outline"), "block": gettext_lazy("block"), "use": gettext_lazy("use")}
