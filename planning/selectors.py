"""Reads of the planning layers, always for the requesting user: the rasters, the thresholds, the site viability
report of a land parcel or a township, and the warning the allocation workflow shows before a plot on unfit
ground (docs/planning.md)."""

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from landreg.roles import ADMINISTRATOR, COMMITTEE_MEMBER, GIS_SPECIALIST, LAND_OFFICER, has_role
from landreg.scope import filter_by_scope
from parcels.models import LandParcel
from planning import network, viability
from planning.models import PlotSite, RasterLayer, Road, ServicePoint, ViabilityThresholds, WaterPoint
from planning.rasters import utm_srid_of
from townships.models import Plot, Township

# Who reads a viability report: the people who choose and lay out land. It names no household.
REPORT_ROLES = [ADMINISTRATOR, LAND_OFFICER, COMMITTEE_MEMBER, GIS_SPECIALIST]
POPULATION_RADIUS_M = 5_000
# Plots whose households live there, counted as the township's households.
LIVED_IN = ["allocated", "handed_over", "occupied"]


def require_report_role(user) -> None:
    if not has_role(user, *REPORT_ROLES):
        raise PermissionDenied(
            gettext(
                "Only administrators, land officers, committee members and GIS specialists "
                "may read a site viability report."
            )
        )


def townships_for_viability(user) -> QuerySet[Township]:
    require_report_role(user)
    return filter_by_scope(
        Township.objects.select_related("province"), user, province_field="province", township_field="id"
    )


def parcels_for_viability(user) -> QuerySet[LandParcel]:
    require_report_role(user)
    return filter_by_scope(LandParcel.objects.select_related("province"), user, province_field="province")


def rasters_visible_to(user) -> QuerySet[RasterLayer]:
    """Rasters of the user's provinces and those uploaded for every province."""
    from django.db.models import Q  # noqa: PLC0415

    require_report_role(user)
    scoped = filter_by_scope(RasterLayer.objects.all(), user, province_field="province")
    return (scoped | RasterLayer.objects.filter(Q(province__isnull=True))).select_related("province", "uploaded_by")


def thresholds_active() -> ViabilityThresholds:
    """The active thresholds; the defaults of the model, unsaved, until an administrator sets a version."""
    return ViabilityThresholds.objects.filter(active=True).first() or ViabilityThresholds(version=0, active=True)


def raster_for(kind: str, geom: GEOSGeometry) -> tuple[RasterLayer | None, str | None]:
    """The newest raster of a kind that covers the site, or why none can judge it."""
    covering = RasterLayer.objects.filter(kind=kind, bounds__contains=geom).order_by("-uploaded_at").first()
    if covering is not None:
        return covering, None
    if RasterLayer.objects.filter(kind=kind, bounds__intersects=geom).exists():
        return None, {
            "dem": gettext("The elevation models loaded cover only part of the site; upload one that covers it all."),
            "flood": gettext(
                "The flood hazard maps loaded cover only part of the site; upload one that covers it all."
            ),
            "landcover": gettext("The land cover loaded covers only part of the site."),
        }[kind]
    return None, {
        "dem": gettext("No elevation model covers the site; upload one (kind dem) that does."),
        "flood": gettext("No flood hazard map covers the site; upload one (kind flood) that does."),
        "landcover": gettext("No land cover covers the site."),
    }[kind]


def _layer_json(layer: RasterLayer) -> dict:
    return {
        "id": layer.pk,
        "name": layer.name,
        "source": layer.source,
        "licence": layer.licence,
        "resolution_m": layer.resolution_m,
        "uploaded_at": layer.uploaded_at.isoformat() if layer.uploaded_at else None,
    }


def _population(geom: GEOSGeometry, *, exclude_township: int | None, province_id: int) -> dict:
    """People within 5 km: the latest estimate of each IDP site, and the households living on townships' plots
    (with people estimated from the mean size of the households registered in the province)."""
    from households.models import Household  # noqa: PLC0415
    from movements.models import IdpSite  # noqa: PLC0415
    from movements.selectors import site_estimate_latest  # noqa: PLC0415

    sites = []
    for site in IdpSite.objects.filter(geom__dwithin=(geom, _degrees(POPULATION_RADIUS_M)), closed_on__isnull=True):
        if not _within_m(site.geom, geom, POPULATION_RADIUS_M):
            continue
        latest = site_estimate_latest(site)
        sites.append(
            {
                "code": site.code,
                "name": site.name,
                "people": latest.population if latest else None,
                "round": latest.round if latest else "",
            }
        )
    townships = Township.objects.filter(geom__dwithin=(geom, _degrees(POPULATION_RADIUS_M)))
    if exclude_township:
        townships = townships.exclude(pk=exclude_township)
    households = 0
    for township in townships:
        if _within_m(township.geom, geom, POPULATION_RADIUS_M):
            households += township.plots.filter(status__in=LIVED_IN).count()
    mean_size = Household.objects.filter(province_id=province_id).aggregate(mean=Avg("size"))["mean"]
    idp_people = sum(s["people"] or 0 for s in sites)
    estimate = idp_people + round(households * mean_size) if mean_size else None
    return {
        "radius_m": POPULATION_RADIUS_M,
        "idp_sites": sites,
        "idp_people": idp_people,
        "township_households": households,
        "people_estimate": estimate if households else idp_people,
    }


def _degrees(metres: float) -> float:
    """A box in degrees wide enough for `metres` anywhere in Afghanistan (a prefilter; the test is in metres)."""
    return metres / 80_000


def _within_m(a: GEOSGeometry, b: GEOSGeometry, metres: float) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_DWithin(%s::geography, %s::geography, %s)", [a.ewkt, b.ewkt, metres])
        return cursor.fetchone()[0]


def site_viability(
    *,
    geom: GEOSGeometry,
    name: str,
    kind: str,
    pk: int,
    province_id: int,
    township_id: int | None = None,
    srid: int | None = None,
) -> dict:
    """The viability report of a site (a township's or a parcel's outline), as JSON-ready data: terrain, flood,
    access, population, a verdict per criterion and overall, with the reasons in a sentence."""
    thresholds = thresholds_active()
    geom = geom if geom.srid else GEOSGeometry(geom.wkt, srid=4326)
    centre = geom.centroid
    srid = srid or utm_srid_of(centre.x, centre.y)
    area_ha = geom.transform(srid, clone=True).area / 10_000
    criteria = []

    dem, dem_problem = raster_for(RasterLayer.Kind.DEM, geom)
    terrain = None
    terrain_json = {"dem": None, "problem": dem_problem}
    if dem is not None:
        terrain = viability.terrain(dem.file.path, polygons={"site": geom}, srid=srid, resolution=dem.resolution_m)[
            "site"
        ]
        terrain_json = {"dem": _layer_json(dem), "problem": None, **terrain.__dict__}
        if terrain.slope_mean_pct is None:
            terrain_json["problem"] = gettext(
                "The elevation model %(name)s has no data over the site (only its nodata value); upload one with "
                "values there."
            ) % {"name": dem.name}
            terrain = None
    verdict, sentence = viability.judge_slope(terrain, thresholds)
    criteria.append({"criterion": "slope", "label": gettext("Slope"), "verdict": verdict, "sentence": sentence})

    flood_layer, flood_problem = raster_for(RasterLayer.Kind.FLOOD, geom)
    by_hazard = None
    flood_json = {"layer": None, "problem": flood_problem, "classes": [], "by_hazard": None}
    if flood_layer is not None:
        result = viability.flood(
            flood_layer.file.path, polygons={"site": geom}, srid=srid, resolution=flood_layer.resolution_m
        )["site"]
        legend = {c["value"]: c for c in flood_layer.flood_classes}
        flood_json = {
            "layer": _layer_json(flood_layer),
            "problem": None,
            "data_share_pct": result.data_share_pct,
            "classes": [
                {
                    "value": value,
                    "label": legend.get(value, {}).get("label", gettext("No flood (not in the legend)")),
                    "hazard": legend.get(value, {}).get("hazard", "none"),
                    "share_pct": share,
                }
                for value, share in sorted(result.shares.items())
            ],
        }
        if result.data_share_pct == 0:
            flood_json["problem"] = gettext(
                "The flood hazard map %(name)s has no data over the site (only its nodata value)."
            ) % {"name": flood_layer.name}
        else:
            by_hazard = viability.flood_hazard_shares(result.shares, flood_layer.flood_classes)
        flood_json["by_hazard"] = by_hazard
    verdict, sentence = viability.judge_flood(by_hazard, thresholds)
    criteria.append({"criterion": "flood", "label": gettext("Flood hazard"), "verdict": verdict, "sentence": sentence})

    access = network.distances(site_wkt=geom.wkt, srid=srid)
    limits = {
        "water": thresholds.water_max_m,
        "school": thresholds.school_max_m,
        "clinic": thresholds.clinic_max_m,
        "market": thresholds.market_max_m,
        "paved_road": thresholds.road_max_m,
    }
    labels = {
        "water": gettext("Water"),
        "school": gettext("School"),
        "clinic": gettext("Clinic"),
        "market": gettext("Market"),
        "paved_road": gettext("Paved road"),
    }
    for what, limit in limits.items():
        figure = access[what]
        if figure.get("network_m") is not None:
            metres, how, measured = figure["network_m"], gettext("along the roads"), "road network"
        else:
            metres, how, measured = figure["straight_m"], gettext("in a straight line"), "straight line"
        figure["measured"] = measured
        figure["distance_m"] = metres
        verdict, sentence = viability.judge_distance(what, metres, limit, how)
        criteria.append({"criterion": what, "label": labels[what], "verdict": verdict, "sentence": sentence})

    fit = viability.overall([c["verdict"] for c in criteria])
    return {
        "site": {"kind": kind, "id": pk, "name": name, "area_ha": round(area_ha, 2), "utm_srid": srid},
        "thresholds": {
            "version": thresholds.version,
            "water_max_m": thresholds.water_max_m,
            "slope_max_pct": thresholds.slope_max_pct,
            "steep_share_max_pct": thresholds.steep_share_max_pct,
            "flood_high_share_max_pct": thresholds.flood_high_share_max_pct,
            "school_max_m": thresholds.school_max_m,
            "clinic_max_m": thresholds.clinic_max_m,
            "market_max_m": thresholds.market_max_m,
            "road_max_m": thresholds.road_max_m,
        },
        "terrain": terrain_json,
        "flood": flood_json,
        "access": access,
        "population": _population(geom, exclude_township=township_id, province_id=province_id),
        "criteria": criteria,
        "verdict": fit,
        "verdict_label": str(PlotSite.Fit(fit).label),
        "reasons": viability.reasons_sentence(fit, criteria),
        "computed_at": timezone.now().isoformat(),
    }


def township_viability(user, *, township: Township) -> dict:
    """The report of a township the user may see (townships_for_viability)."""
    return site_viability(
        geom=township.geom,
        name=township.name,
        kind="township",
        pk=township.pk,
        province_id=township.province_id,
        township_id=township.pk,
        srid=township.utm_srid,
    )


def parcel_viability(user, *, parcel: LandParcel) -> dict:
    """The report of a land parcel the user may see (parcels_for_viability)."""
    geom = parcel.geom if isinstance(parcel.geom, MultiPolygon) else MultiPolygon(parcel.geom)
    return site_viability(geom=geom, name=str(parcel), kind="parcel", pk=parcel.pk, province_id=parcel.province_id)


def plot_site_warning(plot: Plot) -> str | None:
    """The sentence the allocation workflow shows before proposing a plot on unfit ground, or None when the plot's
    site figures judge it fit, fit with conditions, or not yet."""
    site = PlotSite.objects.filter(plot_id=plot.pk).select_related("thresholds").first()
    if site is None or site.fit != PlotSite.Fit.NOT_FIT:
        return None
    # Judged again from the stored figures, so the sentence is in the reader's language.
    terrain = None
    if site.slope_mean_pct is not None:
        terrain = viability.Terrain(site.slope_mean_pct, site.share_over_10_pct, site.share_over_20_pct, 100.0)
    by_hazard = None
    if site.flood_hazard:
        by_hazard = {"none": 0.0, "low": 0.0, "medium": 0.0, "high": site.flood_high_share_pct or 0.0}
        if site.flood_hazard == "medium":
            by_hazard["medium"] = 1.0
    criteria = viability.judge_plot(
        terrain=terrain, by_hazard=by_hazard, water_m=site.water_m, thresholds=site.thresholds or thresholds_active()
    )
    failing = [c["sentence"] for c in criteria if c["verdict"] == viability.FAIL]
    sentence = gettext("This plot is on ground judged not fit to live on: %(reasons)s.") % {
        "reasons": "; ".join(failing) or gettext("see its site figures")
    }
    if site.stale:
        sentence += " " + gettext("Its figures are out of date after a change and will be computed again.")
    return sentence


def access_features_visible_to(user, model) -> QuerySet:
    """Water points, roads or services of the user's provinces (they carry no personal data)."""
    require_report_role(user)
    return filter_by_scope(model.objects.select_related("province"), user, province_field="province")


def access_feature_counts(user, province_id: int | None = None) -> dict[int, dict]:
    """How many water points (and of them functional), roads and services each province holds, as the user sees
    them (one province when `province_id` is given): {province id: {"water", "functional", "roads", "services"}},
    a province holding none of them absent."""
    counts: dict[int, dict] = {}
    for key, model, extra in (
        ("water", WaterPoint, {"functional": Count("id", filter=Q(functional=True))}),
        ("roads", Road, {}),
        ("services", ServicePoint, {}),
    ):
        rows = access_features_visible_to(user, model).order_by()
        if province_id is not None:
            rows = rows.filter(province_id=province_id)
        for row in rows.values("province_id").annotate(n=Count("id"), **extra):
            entry = counts.setdefault(row["province_id"], {"water": 0, "functional": 0, "roads": 0, "services": 0})
            entry[key] = row["n"]
            if "functional" in row:
                entry["functional"] = row["functional"]
    return counts


def plot_site_figures(plot: Plot) -> dict | None:
    """A plot's stored site figures for the map's plot panel (no personal data), or None before the first one."""
    site = PlotSite.objects.filter(plot_id=plot.pk).first()
    if site is None:
        return None
    return {
        "fit": site.fit,
        "fit_label": str(PlotSite.Fit(site.fit).label),
        "slope_mean_pct": site.slope_mean_pct,
        "share_over_20_pct": site.share_over_20_pct,
        "flood_hazard": site.flood_hazard,
        "water_m": site.water_m,
        "stale": site.stale,
        "computed_at": site.computed_at.isoformat() if site.computed_at else None,
        "warning": plot_site_warning(plot),
    }
