"""A layout draft as files: the GeoPackage the township layout import reads (plots first, then blocks, roads and
the outline, in the site's UTM zone), the blocks read back from it at the commit, and a preview in EPSG:4326 for
the page's map. No personal data: a draft holds numbers, block codes and uses."""

import json
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import shapely
from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSGeometry
from pyproj import Transformer
from shapely.geometry import mapping

from planning.drafting import Draft
from townships.exports import OGR2OGR

PLOTS_LAYER, BLOCKS_LAYER, ROADS_LAYER, OUTLINE_LAYER = "plots", "blocks", "roads", "outline"
UNFIT_LAYER = "unfit_ground"  # the unfit ground the draft leaves empty
# The layout import reads these attributes of the plots layer (townships/layouts, Mapping).
NUMBER_FIELD, BLOCK_FIELD, USE_FIELD = "number", "block", "use"


def _feature(geom, properties: dict) -> dict:
    return {"type": "Feature", "geometry": mapping(geom), "properties": properties}


def _multi(geom):
    if geom.geom_type == "GeometryCollection":  # an intersection's polygons, without its lines and points
        return shapely.MultiPolygon([g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"])
    return shapely.MultiPolygon([geom]) if geom.geom_type == "Polygon" else geom


def _layers(draft: Draft) -> list[tuple[str, str, list[tuple]]]:
    """(layer, geometry type, [(geometry in UTM, attributes)]): plots first, the layer the layout import reads."""
    plots = [
        (
            p.geom,
            {
                NUMBER_FIELD: p.number,
                BLOCK_FIELD: p.block,
                USE_FIELD: p.use,
                "unfit": int(p.unfit),
                "area_m2": round(p.geom.area, 2),
            },
        )
        for p in draft.plots
    ]
    blocks = [
        (b.geom, {"code": b.code, "reserve": int(b.reserve), "plots": b.plots, "area_m2": round(b.geom.area, 1)})
        for b in draft.blocks
    ]
    roads = (
        []
        if draft.roads is None or draft.roads.is_empty
        else [(_multi(draft.roads), {"width_m": draft.params.road_width_m})]
    )
    outline = [(_multi(draft.outline), {"setback_m": draft.params.setback_m})]
    empty = draft.unfit_empty() if draft.unfit_ground is not None else None
    unfit = [] if empty is None or empty.area < 1 else [(_multi(empty), {"area_m2": round(empty.area, 1)})]
    return [
        (PLOTS_LAYER, "POLYGON", plots),
        (BLOCKS_LAYER, "POLYGON", blocks),
        (ROADS_LAYER, "MULTIPOLYGON", roads),
        (OUTLINE_LAYER, "MULTIPOLYGON", outline),
        (UNFIT_LAYER, "MULTIPOLYGON", unfit),
    ]


def draft_geopackage_write(draft: Draft, target: Path) -> Path:
    """Write the draft as a GeoPackage in its UTM zone: layer `plots` first (the one the layout import reads, with
    number, block and use), then `blocks`, `roads`, `outline` and, when there is any, the `unfit_ground` left empty,
    for QGIS; one ogr2ogr, through a VRT of the layers."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        layers = []
        for layer, kind, rows in _layers(draft):
            if not rows:
                continue
            source = Path(folder) / f"{layer}.geojson"
            features = [_feature(geom, properties) for geom, properties in rows]
            source.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
            layers.append(
                f'<OGRVRTLayer name="{layer}"><SrcDataSource>{escape(str(source))}</SrcDataSource>'
                f"<LayerSRS>EPSG:{int(draft.srid)}</LayerSRS><GeometryType>wkb{kind.title()}</GeometryType>"
                "</OGRVRTLayer>"
            )
        vrt = Path(folder) / "draft.vrt"
        vrt.write_text(f"<OGRVRTDataSource>{''.join(layers)}</OGRVRTDataSource>", encoding="utf-8")
        command = [OGR2OGR, "-f", "GPKG", str(target), str(vrt), "-lco", "SPATIAL_INDEX=NO"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise RuntimeError(f"ogr2ogr could not write the draft: {done.stderr.strip()[-500:]}")
    return target


def draft_blocks_read(path: Path) -> list[tuple[str, GEOSGeometry]]:
    """The blocks of a draft GeoPackage: (code, outline in EPSG:4326), in the file's order. An empty list when the
    file has no blocks layer."""
    try:
        source = DataSource(str(path))
        layer = next((each for each in source if each.name == BLOCKS_LAYER), None)
        if layer is None:
            return []
        blocks = []
        for feature in layer:
            geom = feature.geom.geos
            geom.transform(4326)
            blocks.append((str(feature.get("code")), geom))
        return blocks
    except GDALException as exc:
        raise ValueError(f"The draft's blocks could not be read: {exc}") from exc


def draft_preview(draft: Draft) -> dict:
    """The draft in EPSG:4326 (plots, blocks, roads, outline) as one GeoJSON FeatureCollection, each feature with
    its layer, coordinates to 7 decimals (about a centimetre), for the page's map."""
    to_wgs = Transformer.from_crs(draft.srid, 4326, always_xy=True)

    def wgs(xy):
        return np.round(np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1])), 7)

    rows = [(layer, geom, properties) for layer, _kind, features in _layers(draft) for geom, properties in features]
    geoms = shapely.transform(np.asarray([geom for _l, geom, _p in rows], dtype=object), wgs)
    features = [
        _feature(geom, {**properties, "layer": layer})
        for (layer, _utm, properties), geom in zip(rows, geoms, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}
