"""The "Data for partners" page: under each of the partner's data-sharing agreements, what they may download and until
when; without one, what to ask for. The downloads are the partner exports and township files of the REST API,
which check the agreement again and log every download."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from landreg import calendar, roles
from landreg.models import DATASETS, HOUSEHOLD_FIELDS
from landreg.roles import has_role
from landreg.sharing import ASK
from partners.selectors import partner_downloads
from webmap.map.views import refused_as_page

# The layout file formats offered, in the order shown (townships/exports.py: FORMATS).
LAYOUT_FORMATS = [
    ("gpkg", "GeoPackage"),
    ("shp.zip", "Shapefile"),
    ("geojson", "GeoJSON"),
    ("csv", "CSV"),
    ("kml", "KML"),
]


def _day(day) -> str:
    """The Shamsi date, then the Gregorian one that partner organisations file by."""
    return f"{calendar.shamsi_date(day)} ({calendar.gregorian_date(day)})"


@login_required
@refused_as_page
def partner_data(request):
    if not has_role(request.user, roles.PARTNER):
        raise PermissionDenied(_("This page is for partner organisations; your role has its own pages and exports."))
    downloads = partner_downloads(request.user)
    for entry in downloads:
        entry.from_text = _day(entry.agreement.valid_from)
        entry.until_text = _day(entry.agreement.valid_until)
    return render(
        request,
        "webmap/partners/data.html",
        {
            "downloads": downloads,
            "current": [d for d in downloads if d.state == "current"],
            "catalogue": [(str(label)) for label in DATASETS.values()],
            "fields": [str(label) for label, _hxl in HOUSEHOLD_FIELDS.values()],
            "ask": ASK,
            "formats": LAYOUT_FORMATS,
        },
    )
