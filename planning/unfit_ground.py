"""Unfit ground under a site, found from the viability rasters: the parts of a polygon that are steeper than the
thresholds allow a plot, or in a flood hazard class the thresholds refuse, as a polygon that a layout draft leaves
out (docs/planning.md, "A first layout, drafted from a land parcel").

The rules:
- Steep: a pixel whose slope (planning.viability.slope_percent, as the viability report computes it, on the newest
  elevation model covering the site, in its UTM zone) is over the thresholds' slope_max_pct.
- Flood-prone: a pixel of the newest flood hazard map covering the site whose class the legend calls "high" (a
  high share over flood_high_share_max_pct fails a site); medium is a condition (drain it), not a refusal. Thresholds
  allowing 100 % of high hazard refuse no class.
- Specks: a patch of fewer than SPECK_PIXELS pixels (8-connected) takes the value of the ground around it
  (rasterio.features.sieve): a steep pixel or two does not punch a hole in a layout, and a fit pixel or two inside
  unfit ground is not a place for a plot either.
- A pixel without data (the raster's nodata) is not judged unfit: nothing is known of it.
- A raster whose footprint does not cover the whole site is not used (planning.selectors.raster_for says why).
"""

import math
from dataclasses import dataclass, field

import numpy
import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.utils.translation import gettext
from shapely.geometry import shape

from landreg.calendar import number_text
from planning import viability
from planning.models import RasterLayer
from planning.rasters import utm_srid_of
from planning.selectors import raster_for, thresholds_active

SPECK_PIXELS = 3  # patches of one or two pixels are specks
MAX_PIXELS = 4_000_000  # a raster finer than this over the site is read coarser (bounds memory: 2,000 × 2,000)


@dataclass
class UnfitGround:
    """What was found: the unfit ground (EPSG:4326, None when no raster covers the site), its steep and flood-prone
    parts (UTM, shapely), the rasters read, and why a kind could not judge the site."""

    geom: GEOSGeometry | None = None
    srid: int = 0
    steep: object = None  # shapely, UTM
    flooded: object = None  # shapely, UTM
    dem: RasterLayer | None = None
    flood: RasterLayer | None = None
    problems: dict = field(default_factory=dict)  # kind -> sentence
    slope_max_pct: float = 0.0
    hazards: tuple = ()

    @property
    def covered(self) -> bool:
        return self.dem is not None or self.flood is not None


def _polygonal(polygon: GEOSGeometry) -> GEOSGeometry:
    """The polygon in EPSG:4326 as a multipolygon (a parcel clipped to a township may come as a collection)."""
    geom = polygon if polygon.srid == 4326 else polygon.transform(4326, clone=True)
    if geom.geom_type == "Polygon":
        return MultiPolygon(geom, srid=4326)
    if geom.geom_type == "GeometryCollection":
        parts = [p for g in geom for p in (g if g.geom_type == "MultiPolygon" else [g]) if p.geom_type == "Polygon"]
        return MultiPolygon(*parts, srid=4326)
    return geom


def _resolution(layer: RasterLayer, site) -> float:
    """The raster's own resolution, or coarser when the site's box would hold more than MAX_PIXELS."""
    xmin, ymin, xmax, ymax = site.bounds
    area_m2 = (xmax - xmin) * (ymax - ymin)
    resolution = float(layer.resolution_m)
    if area_m2 / (resolution * resolution) > MAX_PIXELS:
        resolution = math.sqrt(area_m2 / MAX_PIXELS)
    return resolution


def _polygons(mask: numpy.ndarray, transform) -> object:
    """The True pixels of a mask, specks sieved away, as one shapely geometry (UTM), or None."""
    from rasterio import features  # noqa: PLC0415

    if not mask.any():
        return None
    band = mask.astype("uint8")
    if band.size > 1:
        band = features.sieve(band, size=SPECK_PIXELS, connectivity=8)
    shapes = [shape(g) for g, v in features.shapes(band, mask=band == 1, transform=transform) if v]
    return shapely.union_all(shapes) if shapes else None


def _clip(geom, site):
    if geom is None:
        return None
    clipped = shapely.intersection(geom, site)
    clipped = shapely.union_all([g for g in shapely.get_parts(clipped) if g.geom_type == "Polygon" and g.area > 0])
    return None if clipped.is_empty else clipped


def unfit_ground_found(polygon: GEOSGeometry, *, thresholds=None, srid: int | None = None) -> UnfitGround:
    """Steep and flood-prone ground under the polygon (EPSG:4326 unless it says otherwise), measured in `srid` (the
    polygon's UTM zone when not given), from the newest elevation model and flood hazard map that cover it."""
    thresholds = thresholds or thresholds_active()
    geom = _polygonal(polygon)
    if srid is None:
        centre = geom.centroid
        srid = utm_srid_of(centre.x, centre.y)
    site = shapely.from_wkb(bytes(geom.transform(srid, clone=True).wkb))
    found = UnfitGround(srid=srid, slope_max_pct=thresholds.slope_max_pct)
    polygons = {"site": geom}

    dem, problem = raster_for(RasterLayer.Kind.DEM, geom)
    if dem is None:
        found.problems["dem"] = problem
    else:
        found.dem = dem
        resolution = _resolution(dem, site)
        elevation, transform = viability.read_in_utm(
            dem.file.path, polygons=polygons, srid=srid, resolution=resolution, categorical=False
        )
        if elevation is not None:
            slope = viability.slope_percent(elevation, resolution)
            with numpy.errstate(invalid="ignore"):
                steep = slope > thresholds.slope_max_pct  # NaN (no data) compares False: not judged unfit
            found.steep = _clip(_polygons(steep, transform), site)

    flood, problem = raster_for(RasterLayer.Kind.FLOOD, geom)
    if flood is None:
        found.problems["flood"] = problem
    else:
        found.flood = flood
        refused = () if thresholds.flood_high_share_max_pct >= 100 else ("high",)
        found.hazards = refused
        values = [c["value"] for c in flood.flood_classes if c["hazard"] in refused]
        if values:
            resolution = _resolution(flood, site)
            classes, transform = viability.read_in_utm(
                flood.file.path, polygons=polygons, srid=srid, resolution=resolution, categorical=True
            )
            if classes is not None:
                found.flooded = _clip(_polygons(numpy.isin(classes, values), transform), site)

    if not found.covered:
        return found
    parts = [g for g in (found.steep, found.flooded) if g is not None]
    if parts:
        union = shapely.union_all(parts)
        out = GEOSGeometry(memoryview(shapely.to_wkb(union)), srid=srid).transform(4326, clone=True)
        if out.geom_type == "Polygon":
            out = MultiPolygon(out, srid=4326)
        found.geom = out
    else:
        found.geom = MultiPolygon(srid=4326)  # covered, and none of it unfit
    return found


def unfit_ground(polygon: GEOSGeometry, *, thresholds=None, srid: int | None = None) -> GEOSGeometry | None:
    """The parts of the polygon that are too steep or too flood-prone for a plot (EPSG:4326; empty when none is),
    or None when no elevation model or flood hazard map covers the polygon: then nothing is known, and the caller
    says so (unfit_ground_found(...).problems has the sentences)."""
    return unfit_ground_found(polygon, thresholds=thresholds, srid=srid).geom


def no_raster_sentence() -> str:
    """What a page or the API says when asked to leave out unfit ground that no raster covers."""
    return gettext(
        "No elevation model or flood hazard map covers this parcel, so no ground could be judged unfit and none is "
        "left out. Upload them on the planning rasters page to have steep and flood-prone ground left out."
    )


def unfit_summary(unfit: dict | None) -> str | None:
    """What a draft's figures["unfit"] (planning/draft_services.py) say, in the reader's language: how much ground
    was judged not fit and why, or that no raster covers the parcel; None when the draft was not asked to judge."""
    if not unfit:
        return None
    sentences = []
    if unfit.get("asked"):
        if not unfit.get("covered"):
            sentences.append(no_raster_sentence())
        elif not unfit.get("found_m2"):
            sentences.append(gettext("The rasters find no ground too steep or flood-prone to build on in this parcel."))
        else:
            reasons = []
            if unfit.get("dem"):
                reasons.append(
                    gettext("%(m2)s m² steeper than %(slope)s %% (elevation model “%(name)s”)")
                    % {
                        "m2": number_text(unfit["steep_m2"], places=0),
                        "slope": number_text(unfit["slope_max_pct"], places=1),
                        "name": unfit["dem"],
                    }
                )
            if unfit.get("flood"):
                reasons.append(
                    gettext("%(m2)s m² in a high flood hazard class (flood hazard map “%(name)s”)")
                    % {"m2": number_text(unfit["flood_m2"], places=0), "name": unfit["flood"]}
                )
            sentences.append(
                gettext("%(m2)s m² of the parcel are judged not fit to build on: %(reasons)s.")
                % {"m2": number_text(unfit["found_m2"], places=0), "reasons": "; ".join(reasons)}
            )
        if not unfit.get("dem") and unfit.get("covered"):
            sentences.append(gettext("No elevation model covers the parcel, so its slope was not judged."))
        if not unfit.get("flood") and unfit.get("covered"):
            sentences.append(gettext("No flood hazard map covers the parcel, so its flood hazard was not judged."))
    if unfit.get("given_m2"):
        sentences.append(
            gettext("%(m2)s m² of unfit ground were given with the request.")
            % {"m2": number_text(unfit["given_m2"], places=0)}
        )
    return " ".join(sentences) or None


def rasters_cover(polygon: GEOSGeometry) -> bool:
    """Whether an elevation model or a flood hazard map covers the polygon (the draft form's default)."""
    geom = _polygonal(polygon)
    return any(raster_for(kind, geom)[0] is not None for kind in (RasterLayer.Kind.DEM, RasterLayer.Kind.FLOOD))
