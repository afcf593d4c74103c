"""OGC API - Features Part 4: create, replace, update and delete, for editors (GIS specialists and administrators)
within their provinces. An edit names the version it was made on (If-Match with the feature's ETag) and never
sets a plot's status, which follows the allocation workflow; the services and the database's land rules check the
rest."""

import json

from django.contrib.gis.geos import MultiPolygon
from django.http import HttpResponse
from django.utils.translation import gettext as _

from api.http import held_etag
from api.ogc.collections import GEOMETRY_TYPES, WRITABLE, Collection, can_edit, crs_named
from api.ogc.features import client_geometry, feature_etag, stored_feature
from api.ogc.problems import GEOJSON, Refused, base_url, json_response
from parcels.models import AdminArea
from townships import services
from townships.models import Block, Plot, Township


def edit(request, c: Collection, user, obj, feature: dict):
    """PUT, PATCH or DELETE of the feature `obj` (read as `feature`), by a user who may edit it."""
    if request.method not in ("PUT", "PATCH", "DELETE"):
        raise Refused(400, _("Method %(m)s is not supported here.") % {"m": request.method})
    require_if_match(request, feature)
    if request.method == "DELETE":
        services.land_record_delete(instance=obj)
        return HttpResponse(status=204)
    incoming = read_feature(request, c)
    values = feature_values(c, incoming, partial=request.method == "PATCH", user=user, current=obj)
    _update(c, obj, values)
    _obj, feature = stored_feature(c, user, obj.pk)
    return json_response(feature, content_type=GEOJSON, headers={"ETag": feature_etag(feature)})


def require_if_match(request, feature: dict) -> None:
    """An edit names the version it was made on (the ETag read with the feature), so that no one overwrites a
    change they have not seen. "*" names no version and is not enough."""
    sent = request.headers.get("If-Match", "").strip()
    if not sent or sent == "*":
        raise Refused(
            428,
            _(
                "Send the feature's ETag in an If-Match header: read the feature, then edit it, so that you do not "
                "overwrite a change you have not seen."
            ),
        )
    current = feature_etag(feature)
    if held_etag(current, sent) is None:  # the ETag as read, of the plain or the gzipped copy
        raise Refused(
            412,
            _("This feature was changed by someone else since you read it; reload it and edit again."),
            etag=current,
        )


JSON_TYPES = {"application/json", "application/geo+json", "application/merge-patch+json"}


def read_feature(request, c: Collection) -> dict:
    # The views are CSRF-exempt for HTTP Basic clients (QGIS, GDAL). A cross-site HTML form cannot send these
    # content types without a CORS preflight, which this server never grants: that keeps sessions safe too.
    if request.content_type not in JSON_TYPES:
        raise Refused(415, _("Send the feature as GeoJSON (Content-Type: application/geo+json)."))
    limit = 5 * 1024 * 1024
    too_large = Refused(400, _("A feature larger than 5 MB is not accepted; simplify the geometry."))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise too_large from None
    if length > limit:
        raise too_large
    try:
        feature = json.loads(request.body or b"{}")
        assert isinstance(feature, dict)
    except (ValueError, AssertionError, RecursionError):
        raise Refused(400, _("Send one GeoJSON Feature as a JSON object.")) from None
    srid, lat_first = crs_named(request.headers.get("Content-Crs"), "Content-Crs")
    if feature.get("geometry") is not None:
        what = _("The feature's geometry")
        feature["_geom"] = client_geometry(feature["geometry"], srid, lat_first, what, types=GEOMETRY_TYPES[c.id])
    return feature


def feature_values(c: Collection, feature: dict, *, partial: bool, user, current=None) -> dict:
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise Refused(400, _("properties must be a JSON object of property names and values."))
    unknown = set(props) - WRITABLE[c.id] - {"area_m2", "utm_srid", "shelter_stage"}  # derived: ignored, not refused
    if unknown:
        raise Refused(
            400,
            _("Unknown or read-only properties: %(p)s. Writable: %(w)s.")
            % {"p": ", ".join(sorted(unknown)), "w": ", ".join(sorted(WRITABLE[c.id]))},
        )
    values = {k: v for k, v in props.items() if k in WRITABLE[c.id]}
    for name, value in values.items():
        if name == "functional":
            if not isinstance(value, bool):
                raise Refused(400, _("functional must be true or false."))
        elif not (isinstance(value, str) or (name == "block" and value is None)):
            raise Refused(400, _("%(p)s must be text.") % {"p": name})
        elif value and "\x00" in value:
            raise Refused(400, _("%(p)s contains a NUL character; remove it.") % {"p": name})
    if c.id == "plots" and "status" in values:
        # A plot's status follows its allocations (proposed, approved, handed over, revoked…): a layout edit
        # may repeat it, never change it. The database refuses the change from GIS roles too.
        unchanged = current.status if current is not None else Plot.Status.PLANNED
        if values.pop("status") != unchanged:
            raise Refused(
                400,
                _(
                    "A plot's status follows the allocation workflow and cannot be set here; leave status out. "
                    "A new plot starts as %(s)s."
                )
                % {"s": Plot.Status.PLANNED},
            )
    if "_geom" in feature:
        geom = feature["_geom"]
        if c.id == "townships" and geom.geom_type == "Polygon":
            geom = MultiPolygon(geom, srid=4326)
        values["geom"] = geom
    elif not partial:
        raise Refused(400, _("A feature needs a geometry."))
    if "township" in values:
        try:
            values["township"] = Township.objects.get(code=values["township"])
        except Township.DoesNotExist:
            raise Refused(400, _("No township with code “%(c)s”.") % {"c": values["township"]}) from None
        if not can_edit(user, c, values["township"]):
            raise Refused(403, _("Township %(t)s is outside your provinces.") % {"t": values["township"]})
    if "province" in values:
        values["province"] = AdminArea.objects.filter(pcode=values["province"], level="province").first()
        if values["province"] is None:
            raise Refused(400, _("province must be a province p-code such as AF06."))
    if c.id == "plots" and values.get("block") not in (None, ""):
        township = values.get("township")
        block = Block.objects.filter(code=values["block"], township=township).first() if township else None
        if block is None and township is None:
            raise Refused(400, _("Give the township with the block code."))
        if block is None:
            raise Refused(400, _("Township %(t)s has no block “%(b)s”.") % {"t": township, "b": values["block"]})
        values["block"] = block
    elif "block" in values:
        values["block"] = None
    return values


def create(request, c: Collection, user):
    if not can_edit(user, c):
        raise Refused(403, _("Your role does not allow adding %(c)s.") % {"c": c.id})
    values = feature_values(c, read_feature(request, c), partial=False, user=user)
    if c.id == "townships":
        if not values.get("province") or not can_edit(user, c, Township(province=values["province"])):
            raise Refused(403, _("You may add townships only in your provinces."))
        obj = services.township_create(**values)
    elif "township" not in values:
        raise Refused(400, _("Give the township code in the properties."))
    elif c.id == "blocks":
        obj = services.block_create(**values)
    elif c.id == "plots":
        obj = services.plot_create(**values)
    else:
        obj = services.facility_create(**values)
    _obj, feature = stored_feature(c, user, obj.pk)
    location = f"{base_url(request)}/collections/{c.id}/items/{obj.pk}"
    return json_response(
        feature, status=201, content_type=GEOJSON, headers={"Location": location, "ETag": feature_etag(feature)}
    )


def _update(c: Collection, obj, values: dict) -> None:
    update = {
        "townships": lambda: services.township_update(township=obj, **values),
        "blocks": lambda: services.block_update(block=obj, **values),
        "plots": lambda: services.plot_update(plot=obj, **values),
        "facilities": lambda: services.facility_update(facility=obj, **values),
    }
    update[c.id]()
