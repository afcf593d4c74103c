"""How the maps draw plot statuses: the legend's label and colour of each, one table for the map legend, the plot
panel and the dashboard (the other labels are the models' own choice labels); and which name a map label shows."""

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

# The field of the Dari or Pashto name of a township or province, by the page's language: the vector tiles carry
# every language's name (they are shared and cached), and the map's style picks this one where it is recorded, else
# the English name, as Township.local_name and AdminArea.local_name do for pages.
LOCAL_NAME_FIELDS = {"fa": "name_prs", "ps": "name_ps"}
