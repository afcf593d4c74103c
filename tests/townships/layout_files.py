"""Real layout files for the tests, written by GDAL's ogr2ogr from a GeoJSON drawn in metres.

A plot is (number, block, use, ring) with the ring in metres from the test frame's origin (tests/conftest.py),
so the same layout can be written in UTM 42N, in EPSG:4326 or in Herat North, and in every format."""

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

OGR2OGR = shutil.which("ogr2ogr") or "/usr/bin/ogr2ogr"


def rect(x, y, w=20, h=25):
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]


def clean_layout(offset=0):
    """Ten plots in block A (two rows of five, 20 m × 25 m) and four in block B, one of them commercial.
    Plot 1's corner is the township's corner, unless moved inwards by offset metres."""
    o = offset
    plots = [(str(i + 1), "A", "residential", rect(o + i * 20, o)) for i in range(5)]
    plots += [(str(i + 6), "A", "residential", rect(o + i * 20, o + 30)) for i in range(5)]
    plots += [(str(i + 11), "B", "commercial" if i == 0 else "residential", rect(230 + i * 20, 10)) for i in range(4)]
    return plots


def faulty_layout():
    """The clean layout plus one self-intersecting plot (a bow tie), one plot overlapping plot 1, one outside
    the township, and one that repeats number 12."""
    plots = clean_layout()
    plots.append(("21", "A", "residential", [(120, 0), (140, 25), (140, 0), (120, 25), (120, 0)]))  # bow tie
    plots.append(("22", "A", "residential", rect(2, 22, 16, 8)))  # 16 m × 3 m over plot 1 (0..20 × 0..25)
    plots.append(("23", "", "residential", rect(600, 200)))  # 100 m east of the 500 m township
    plots.append(("12", "B", "residential", rect(330, 40)))  # number 12 twice
    return plots


def _coords(frame, srid, points):
    if srid == 32642:
        return [[frame.x0 + x, frame.y0 + y] for x, y in points]
    return [list(frame.to_wgs.transform(frame.x0 + x, frame.y0 + y)) for x, y in points]


def _geojson(frame, srid, plots, *, lines=False):
    features = []
    for number, block, use, ring in plots:
        coords = _coords(frame, srid, ring)
        if lines:  # DXF: an outline is a polyline on the block's layer, its number a text label inside it
            features.append(
                {
                    "type": "Feature",
                    "properties": {"Layer": block or "0"},
                    "geometry": {"type": "LineString", "coordinates": coords},
                }
            )
            xs, ys = zip(*ring[:-1], strict=True)
            inside = (
                (ring[0][0] + 1, (ring[0][1] + ring[3][1]) / 2)
                if _is_bowtie(ring)
                else (sum(xs) / len(xs), sum(ys) / len(ys))
            )
            label = _coords(frame, srid, [inside])[0]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"Layer": "LABELS", "OGR_STYLE": f'LABEL(t:"{number}")'},
                    "geometry": {"type": "Point", "coordinates": label},
                }
            )
        else:
            features.append(
                {
                    "type": "Feature",
                    "properties": {"PLOT_NO": number, "BLOCK": block, "USE": use},
                    "geometry": {"type": "Polygon", "coordinates": [coords]},
                }
            )
    collection = {"type": "FeatureCollection", "features": features}
    if srid != 4326:
        collection["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{srid}"}}
    return collection


def _is_bowtie(ring):
    return ring[1][1] != ring[0][1] and ring[1][0] != ring[0][0]


def _ogr2ogr(*args):
    subprocess.run([OGR2OGR, *map(str, args)], check=True, capture_output=True, timeout=120)


def write_layout(folder: Path, fmt: str, frame, plots, *, srid: int = 32642, declare_crs=True, name="layout") -> Path:
    """Write plots as fmt (gpkg, shp, geojson, kml, dxf) with coordinates in srid; declare_crs=False leaves the
    CRS out of the file (a DXF never has one)."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{name}-source.geojson"
    # Drawn in UTM 42N or 4326; any other CRS (Herat North) is reached by GDAL's own transformation.
    drawn = srid if srid in (32642, 4326) else 4326
    source.write_text(json.dumps(_geojson(frame, drawn, plots, lines=fmt == "dxf")), encoding="utf-8")
    crs = ["-s_srs", f"EPSG:{drawn}", "-t_srs", f"EPSG:{srid}"]
    if not declare_crs:
        assert drawn == srid, "a file without a CRS is drawn in UTM 42N or EPSG:4326"
        crs = []
    if fmt == "gpkg":
        target = folder / f"{name}.gpkg"
        _ogr2ogr("-f", "GPKG", target, source, "-nln", "plots", *crs)
    elif fmt == "shp":
        shp_folder = folder / f"{name}-shp"
        shp_folder.mkdir(exist_ok=True)
        _ogr2ogr("-f", "ESRI Shapefile", shp_folder / "plots.shp", source, *crs)
        if not declare_crs:
            (shp_folder / "plots.prj").unlink(missing_ok=True)
        target = folder / f"{name}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(shp_folder.iterdir()):
                archive.write(part, part.name)
    elif fmt == "geojson":
        target = folder / f"{name}.geojson"
        _ogr2ogr("-f", "GeoJSON", target, source, "-nln", "plots", *crs)
    elif fmt == "kml":
        target = folder / f"{name}.kml"
        _ogr2ogr("-f", "KML", target, source, "-nln", "plots", *crs)
    elif fmt == "dxf":
        target = folder / f"{name}.dxf"
        _ogr2ogr("-f", "DXF", target, source, *crs)
    else:
        raise ValueError(fmt)
    return target


def truncate(path: Path, keep: float = 0.5) -> Path:
    """A copy of the file cut off part way, as an interrupted download leaves it."""
    data = path.read_bytes()
    cut = path.with_name("truncated-" + path.name)
    cut.write_bytes(data[: int(len(data) * keep)])
    return cut


def allocate(plot, household, officer):
    """An active allocation of the plot, made through the workflow (the database wants each status change
    recorded as a step, rule status_changes_with_a_transition)."""
    from allocations.services import allocation_propose
    from townships.models import Plot

    Plot.objects.filter(pk=plot.pk).update(status="available")
    plot.refresh_from_db()
    return allocation_propose(household=household, plot=plot, proposed_by=officer)
