"""Writes of the planning layers: thresholds, each plot's site figures, water points, roads and services (one by
one and imported from GIS files). Each checks the caller's role and province first (docs/planning.md)."""

import json
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from landreg.roles import ADMINISTRATOR, GIS_SPECIALIST
from landreg.rules import database_rules_explained
from landreg.services_common import require_province, require_role
from planning import viability
from planning.models import PlotSite, RasterLayer, Road, ServicePoint, ViabilityThresholds, WaterPoint
from planning.selectors import thresholds_active
from townships import layouts
from townships.models import Township

THRESHOLD_FIELDS = (
    "water_max_m",
    "slope_max_pct",
    "steep_share_max_pct",
    "flood_high_share_max_pct",
    "school_max_m",
    "clinic_max_m",
    "market_max_m",
    "road_max_m",
)


@transaction.atomic
def thresholds_set(*, by, note: str = "", **values) -> ViabilityThresholds:
    """Write a new version of the thresholds and make it the active one (the earlier versions stay, fixed)."""
    require_role(by, [ADMINISTRATOR], gettext("set the viability thresholds"))
    unknown = set(values) - set(THRESHOLD_FIELDS)
    if unknown:
        raise ValidationError(gettext("Unknown thresholds: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    current = ViabilityThresholds.objects.select_for_update().filter(active=True).first()
    base = {name: getattr(current or ViabilityThresholds(), name) for name in THRESHOLD_FIELDS}
    last = ViabilityThresholds.objects.order_by("-version").values_list("version", flat=True).first() or 0
    new = ViabilityThresholds(version=last + 1, active=True, note=note[:300], created_by=by, **{**base, **values})
    new.full_clean(exclude=["version"], validate_constraints=False)
    with database_rules_explained():
        ViabilityThresholds.objects.filter(active=True).update(active=False)
        new.save()
    return new


# --- each plot's site figures -----------------------------------------------------------------------------------

_PLOTS_SQL = """
SELECT p.id, ST_AsEWKB(ST_Transform(p.geom, %(srid)s)), md5(ST_AsEWKB(p.geom)),
       (SELECT min(ST_Distance(ST_Transform(w.geom, %(srid)s), ST_Transform(p.geom, %(srid)s)))
          FROM (SELECT geom FROM planning_waterpoint WHERE functional
                 ORDER BY geom <-> p.geom LIMIT 5) w)
  FROM townships_plot p JOIN planning_plotsite s ON s.plot_id = p.id
 WHERE p.township_id = %(township)s AND (s.stale OR NOT %(only_stale)s)
"""

# One statement for the township's plots; a plot reshaped since it was read keeps its stale mark.
_STORE_SQL = """
UPDATE planning_plotsite s
   SET slope_mean_pct = v.slope, share_over_10_pct = v.over_10, share_over_20_pct = v.over_20,
       flood_hazard = v.hazard, flood_high_share_pct = v.high, water_m = v.water, fit = v.fit,
       reasons = v.reasons::jsonb, thresholds_id = %(thresholds)s, stale = false, computed_at = %(at)s
  FROM unnest(%(ids)s::bigint[], %(slope)s::float8[], %(over_10)s::float8[], %(over_20)s::float8[],
              %(hazard)s::text[], %(high)s::float8[], %(water)s::float8[], %(fit)s::text[], %(reasons)s::text[],
              %(md5)s::text[])
       AS v(id, slope, over_10, over_20, hazard, high, water, fit, reasons, md5),
       townships_plot p
 WHERE s.plot_id = v.id AND p.id = v.id AND md5(ST_AsEWKB(p.geom)) = v.md5
"""


def plot_sites_recompute(*, township: Township, only_stale: bool = True) -> int:
    """Compute the site figures of a township's plots (the stale ones, or all): slope and flood from the rasters
    that cover the township, straight-line distance to the nearest functional water point, the verdict against the
    active thresholds. Returns how many plots were computed."""
    srid = township.utm_srid or 32642
    with connection.cursor() as cursor:
        cursor.execute(_PLOTS_SQL, {"srid": srid, "township": township.pk, "only_stale": only_stale})
        rows = cursor.fetchall()
    if not rows:
        return 0
    # Read in the township's UTM zone already: the statistics work there, and need not transform each plot.
    polygons = {pk: GEOSGeometry(memoryview(ewkb)) for pk, ewkb, _md5, _water in rows}
    from planning.selectors import raster_for  # noqa: PLC0415

    dem, _problem = raster_for(RasterLayer.Kind.DEM, township.geom)
    terrains = (
        viability.terrain(dem.file.path, polygons=polygons, srid=srid, resolution=dem.resolution_m) if dem else {}
    )
    flood_layer, _problem = raster_for(RasterLayer.Kind.FLOOD, township.geom)
    floods = (
        viability.flood(flood_layer.file.path, polygons=polygons, srid=srid, resolution=flood_layer.resolution_m)
        if flood_layer
        else {}
    )
    thresholds = thresholds_active()
    columns = {
        name: [] for name in ("ids", "slope", "over_10", "over_20", "hazard", "high", "water", "fit", "reasons", "md5")
    }
    for pk, _ewkb, md5, water in rows:
        terrain = terrains.get(pk)
        if terrain is not None and terrain.slope_mean_pct is None:
            terrain = None
        by_hazard = None
        if flood_layer is not None and floods[pk].data_share_pct > 0:
            by_hazard = viability.flood_hazard_shares(floods[pk].shares, flood_layer.flood_classes)
        criteria = viability.judge_plot(terrain=terrain, by_hazard=by_hazard, water_m=water, thresholds=thresholds)
        fit = viability.overall([c["verdict"] for c in criteria])
        if all(c["verdict"] == viability.UNKNOWN for c in criteria):
            fit = PlotSite.Fit.UNKNOWN
        columns["ids"].append(pk)
        columns["slope"].append(terrain.slope_mean_pct if terrain else None)
        columns["over_10"].append(terrain.share_over_10_pct if terrain else None)
        columns["over_20"].append(terrain.share_over_20_pct if terrain else None)
        columns["hazard"].append(viability.highest_hazard(by_hazard) if by_hazard else "")
        columns["high"].append(by_hazard["high"] if by_hazard else None)
        columns["water"].append(round(water, 1) if water is not None else None)
        columns["fit"].append(str(fit))
        columns["reasons"].append(
            json.dumps(
                [
                    {"criterion": c["criterion"], "verdict": c["verdict"]}
                    for c in criteria
                    if c["verdict"] != viability.PASS
                ]
            )
        )
        columns["md5"].append(md5)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_STORE_SQL, {**columns, "thresholds": thresholds.pk, "at": timezone.now()})
        return cursor.rowcount


def plot_sites_recompute_stale() -> dict:
    """Every township with stale plot figures, computed again: {township code: plots computed}. For the command
    and a periodic job (docs/planning.md)."""
    done = {}
    townships = Township.objects.filter(plots__site__stale=True).distinct()
    for township in townships:
        done[township.code] = plot_sites_recompute(township=township)
    return done


# --- water points, roads and services -----------------------------------------------------------------------------

LAYERS = {"water": WaterPoint, "road": Road, "service": ServicePoint}
KIND_FIELD = {"water": "kind", "road": "road_class", "service": "kind"}


class AccessLayerError(ValueError):
    """A GIS file that cannot become an access layer, with a sentence saying why."""


def _kind_of(model, field_name: str, raw, default: str, index: int) -> str:
    choices = model._meta.get_field(field_name).choices
    values = {str(v).lower(): v for v, _label in choices}
    labels = {str(label).lower(): v for v, label in choices}
    text = str(raw).strip().lower() if raw not in (None, "") else default.lower()
    value = values.get(text) or labels.get(text)
    if value is None:
        raise AccessLayerError(
            gettext("Feature %(n)s: “%(value)s” is not one of %(choices)s; map it or give a default.")
            % {
                "n": index,
                "value": raw if raw not in (None, "") else default,
                "choices": ", ".join(v for v, _l in choices),
            }
        )
    return value


# The files an access layer is imported from, by their ending (GDAL opens each only with the driver its ending names).
ACCESS_FORMATS = (".gpkg", ".zip", ".geojson", ".json", ".kml")


def access_file_refusal(name: str) -> str | None:
    """Why a file of this name cannot hold an access layer, or None when its ending is one of ACCESS_FORMATS."""
    if Path(name or "").suffix.lower() in ACCESS_FORMATS:
        return None
    return gettext("Send a GeoPackage (.gpkg), a zipped Shapefile (.zip), GeoJSON (.geojson) or KML (.kml) file.")


_FALSE = {"no", "false", "0", "broken", "not functional", "non-functional", "dry"}


def access_features_import(
    *,
    path,
    layer: str,
    province,
    by,
    kind_field: str = "",
    default_kind: str = "",
    name_field: str = "",
    status_field: str = "",
    srid: int | None = None,
    source: str = "",
) -> int:
    """Import water points, roads or services from a GPKG, zipped SHP, GeoJSON or KML (GDAL), all or nothing:
    each feature's kind from `kind_field` (or `default_kind`), its name and whether it works from the other fields.
    Multi-part roads become one road per part. Returns how many features were written."""
    require_role(by, [ADMINISTRATOR, GIS_SPECIALIST], gettext("import access layers"))
    require_province(by, province.pk, gettext("The province"))
    if layer not in LAYERS:
        raise AccessLayerError(gettext("The layer is one of water, road or service."))
    model, field_name = LAYERS[layer], KIND_FIELD[layer]
    path = Path(path)
    if path.stat().st_size > layouts.max_upload_bytes():
        raise AccessLayerError(layouts.too_large_message(path.stat().st_size))
    try:  # only the driver the file's ending names, as layout files are read (never a format GDAL guesses)
        data, _label = layouts.vector_file_open(path, path.name)
    except layouts.LayoutError as exc:
        raise AccessLayerError(str(exc)) from None
    if len(data) == 0:
        raise AccessLayerError(gettext("%(file)s holds no layer.") % {"file": path.name})
    gdal_layer = data[0]
    if len(gdal_layer) > layouts.max_features():
        raise AccessLayerError(
            gettext("%(file)s holds %(n)d features; import at most %(limit)d at a time.")
            % {"file": path.name, "n": len(gdal_layer), "limit": layouts.max_features()}
        )
    rows = []
    for index, feature in enumerate(gdal_layer, start=1):
        fields = {f.lower(): f for f in feature.fields}

        def value(field, feature=feature, fields=fields):
            return feature.get(fields[field.lower()]) if field and field.lower() in fields else None

        geom = feature.geom
        if geom is None:
            raise AccessLayerError(gettext("Feature %(n)s has no geometry.") % {"n": index})
        geos = geom.geos
        if geos.srid is None:
            if srid is None:
                raise AccessLayerError(
                    gettext("The file declares no coordinate reference system; state it (for example EPSG:4326).")
                )
            geos.srid = srid
        geos.transform(4326)
        parts = list(geos) if geos.geom_type.startswith("Multi") else [geos]
        expected = "LineString" if layer == "road" else "Point"
        for part in parts:
            if part.geom_type != expected:
                raise AccessLayerError(
                    gettext("Feature %(n)s is a %(found)s; the %(layer)s layer holds %(expected)s features.")
                    % {"n": index, "found": part.geom_type, "layer": layer, "expected": expected}
                )
            part = _flat(part) if part.hasz else GEOSGeometry(part.wkb, srid=4326)
            record = {
                "province": province,
                "name": str(value(name_field) or "")[:150],
                "source": (source or path.name)[:200],
                field_name: _kind_of(model, field_name, value(kind_field), default_kind, index),
                "geom": part,
            }
            if layer != "road":
                status = value(status_field)
                record["functional"] = not (status is not None and str(status).strip().lower() in _FALSE)
            rows.append(model(**record))
    if not rows:
        raise AccessLayerError(gettext("%(file)s holds no features.") % {"file": path.name})
    with transaction.atomic(), database_rules_explained():
        model.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _flat(geom: GEOSGeometry) -> GEOSGeometry:
    """A geometry without its heights (KML and GPS files carry them; the layers are 2D)."""
    from django.contrib.gis.gdal import OGRGeometry  # noqa: PLC0415

    ogr = OGRGeometry(geom.wkt, srs=4326)
    ogr.set_3d(False)
    return GEOSGeometry(ogr.wkb, srid=4326)


@transaction.atomic
def access_feature_create(*, layer: str, by, **values):
    """One water point, road or service, as an administrator or a GIS specialist of its province draws it."""
    require_role(by, [ADMINISTRATOR, GIS_SPECIALIST], gettext("draw access layers"))
    province = values["province"]
    require_province(by, province.pk, gettext("The province"))
    feature = LAYERS[layer](**values)
    with database_rules_explained():
        feature.save()
    return feature
