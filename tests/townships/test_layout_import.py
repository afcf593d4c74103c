"""Layout import from real files, one per format, in UTM and in EPSG:4326: the dry run, the commit, re-import."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from tests.townships.layout_files import allocate, clean_layout, faulty_layout, truncate, write_layout
from townships import layouts
from townships.layouts import LayoutError, Mapping, layout_check, layout_commit
from townships.models import LayoutImport, LayoutSource, Plot

MAPPING = Mapping(number="PLOT_NO", block="BLOCK", use="USE")
DXF_MAPPING = Mapping(number="Text", block="Layer")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def plot_events():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM townships_plotevent")
        return cursor.fetchone()[0]


def check(township, path, user, **kwargs):
    kwargs.setdefault("mapping", DXF_MAPPING if path.suffix == ".dxf" else MAPPING)
    return layout_check(township=township, path=path, name=path.name, by=user, **kwargs)


CASES = [
    ("gpkg", 32642),
    ("gpkg", 4326),
    ("gpkg", 4255),
    ("shp", 32642),
    ("shp", 4326),
    ("geojson", 32642),
    ("geojson", 4326),
    ("kml", 4326),
    ("kml", 32642),  # ogr2ogr's KML writer stores it in 4326, as KML must
    ("dxf", 32642),  # a DXF declares no CRS: the surveyor's UTM zone is stated
    ("dxf", 4326),
]


@pytest.mark.parametrize("fmt,srid", CASES)
def test_a_clean_layout_imports_exactly(fmt, srid, township, frame, users, tmp_path):
    # Herat North comes back through a datum shift, a millimetre off: its plots keep off the township's edge.
    offset = 1 if srid == 4255 else 0
    path = write_layout(tmp_path, fmt, frame, clean_layout(offset), srid=srid)
    stated = srid if fmt == "dxf" else None
    checked = check(township, path, users["gis"], srid=stated, source_name="Survey Co.")
    assert checked.status == LayoutImport.Status.CHECKED, checked.report["features"]
    assert checked.counts["rejected"] == 0 and checked.counts["added"] == 14
    assert not Plot.objects.exists()
    done = layout_commit(layout_import=checked, by=users["gis"])
    assert done.status == LayoutImport.Status.COMMITTED
    plots = {p.number: p for p in Plot.objects.filter(township=township).select_related("block")}
    assert sorted(plots, key=int) == [str(n) for n in range(1, 15)]
    assert plots["1"].block.code == "A" and plots["11"].block.code == "B"
    if fmt != "dxf":
        assert plots["11"].use == "commercial" and plots["12"].use == "residential"
    for plot in plots.values():  # 20 m × 25 m, measured by the database in UTM 42N
        assert abs(plot.area_m2 - Decimal(500)) < Decimal("0.05"), (plot.number, plot.area_m2)
    # Exactly where it was drawn: within a centimetre of the corner in metres.
    x, y = frame.to_wgs.transform(frame.x0 + offset, frame.y0 + offset)
    corner = min(plots["1"].geom.coords[0], key=lambda c: (c[0] - x) ** 2 + (c[1] - y) ** 2)
    assert abs(corner[0] - x) < 2e-7 and abs(corner[1] - y) < 2e-7


@pytest.mark.parametrize(
    "fmt,srid", [("gpkg", 32642), ("shp", 4326), ("geojson", 32642), ("kml", 4326), ("dxf", 32642)]
)
def test_a_faulty_layout_is_rejected_with_four_reasons_and_writes_nothing(fmt, srid, township, frame, users, tmp_path):
    events = plot_events()
    path = write_layout(tmp_path, fmt, frame, faulty_layout(), srid=srid)
    # The DXF's outlines are on layer 0 outside a block; read without blocks.
    mapping = Mapping(number="Text") if fmt == "dxf" else MAPPING
    checked = check(township, path, users["gis"], srid=srid if fmt == "dxf" else None, mapping=mapping)
    assert checked.status == LayoutImport.Status.REJECTED
    reasons = checked.counts["reasons"]
    assert set(reasons) == {"self_intersection", "overlap", "outside_township", "duplicate_number"}, reasons
    by_number = {}
    for feature in checked.report["features"]:
        by_number.setdefault(feature["number"], set()).update(p["code"] for p in feature["problems"])
    assert by_number["21"] == {"self_intersection"}
    assert by_number["22"] == {"overlap"} and by_number["1"] == {"overlap"}
    assert by_number["23"] >= {"outside_township"}
    assert by_number["12"] == {"duplicate_number"}
    overlap = next(p for f in checked.report["features"] if f["number"] == "22" for p in f["problems"])
    assert abs(overlap["params"]["area"] - 48) < 0.05  # 16 m × 3 m, measured in UTM
    assert "48" in layouts.problem_text(overlap)
    assert not Plot.objects.exists() and plot_events() == events
    # The commit re-checks and refuses too.
    layout_commit(layout_import=checked, by=users["gis"])
    assert not Plot.objects.exists()
    # The problems as a GeoPackage for QGIS.
    from django.contrib.gis.gdal import DataSource

    report = DataSource(str(layouts.report_path(checked)))
    names = [layer.name for layer in report]
    assert names == ["layout_problems", "problem_places"]
    assert len(report[0]) == 6  # 21, 22, 1, 23, 12 twice
    assert {f.get("problem") for f in report[1]} == {"overlap", "self_intersection"}


@pytest.mark.parametrize("fmt", ["dxf", "shp"])
def test_a_file_without_a_crs_is_refused_with_how_to_fix_it(fmt, township, frame, users, tmp_path):
    path = write_layout(tmp_path, fmt, frame, clean_layout(), srid=32642, declare_crs=False)
    with pytest.raises(LayoutError) as refused:
        check(township, path, users["gis"])
    assert "declares no coordinate reference system" in str(refused.value)
    assert "EPSG:32642" in str(refused.value) and "--srid" in str(refused.value)
    assert check(township, path, users["gis"], srid=32642).status == LayoutImport.Status.CHECKED


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "geojson", "kml", "dxf"])
def test_a_truncated_file_gives_a_clear_error(fmt, township, frame, users, tmp_path):
    path = truncate(write_layout(tmp_path, fmt, frame, clean_layout(), srid=32642), keep=0.4)
    renamed = path.with_name("cut" + path.suffix)
    path.rename(renamed)
    with pytest.raises(LayoutError) as refused:
        check(township, renamed, users["gis"], srid=32642)
    assert str(refused.value)
    assert not Plot.objects.exists()


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_a_truncated_geopackage_gets_only_the_sentence_without_gdals_raw_line(
    keep, township, frame, users, tmp_path, capfd, caplog
):
    path = truncate(write_layout(tmp_path, "gpkg", frame, clean_layout(), srid=32642), keep=keep)
    renamed = path.with_name("cut.gpkg")
    path.rename(renamed)
    capfd.readouterr()
    with caplog.at_level("INFO"), pytest.raises(LayoutError) as refused:
        check(township, renamed, users["gis"])
    assert str(refused.value).startswith(("The file could not be read as GeoPackage", "The file's layer"))
    assert "GDAL" not in str(refused.value) and "malformed" not in str(refused.value)
    _out, err = capfd.readouterr()
    assert "GDAL_ERROR" not in err
    assert not [r for r in caplog.records if "GDAL_ERROR" in r.getMessage()]


def test_the_command_prints_only_the_sentence_for_a_truncated_geopackage(township, frame, users, tmp_path, capfd):
    from django.core.management import CommandError, call_command

    path = truncate(write_layout(tmp_path, "gpkg", frame, clean_layout(), srid=32642), keep=0.5)
    capfd.readouterr()
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_layout", str(path), "--township", township.code, "--user", "gis", "--number-field", "PLOT_NO"
        )
    out, err = capfd.readouterr()
    assert "could not be read as GeoPackage" in str(refused.value)
    assert "GDAL_ERROR" not in out + err


def test_gdal_errors_of_other_threads_are_not_held_back(caplog):
    import threading

    from django.contrib.gis.gdal.libgdal import err_handler

    from townships.layouts.read import _gdal_errors_held_back

    with _gdal_errors_held_back():
        other = threading.Thread(target=err_handler, args=(1, 4, b"another request's error"))
        other.start()
        other.join()
        err_handler(1, 1, b"database disk image is malformed")
    messages = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("another request's error" in m for m in messages)
    assert not any("malformed" in m for m in messages)


def test_garbage_with_a_layout_name_is_refused(township, users, tmp_path):
    path = tmp_path / "plots.gpkg"
    path.write_bytes(b"not a geopackage at all" * 100)
    with pytest.raises(LayoutError, match="could not be read as GeoPackage"):
        check(township, path, users["gis"])


def test_a_file_over_the_size_limit_is_refused_unread(township, frame, users, tmp_path, settings):
    path = write_layout(tmp_path, "gpkg", frame, clean_layout())
    settings.LANDREG_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(LayoutError, match="over the"):
        check(township, path, users["gis"])


def test_a_zip_bomb_is_refused_unread(township, users, tmp_path):
    import zipfile

    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("plots.shp", b"\0" * 50_000_000)
    with pytest.raises(LayoutError, match="not a plausible layout"):
        check(township, path, users["gis"])


def test_reimport_updates_only_what_changed(township, frame, users, tmp_path):
    first = write_layout(tmp_path / "1", "gpkg", frame, clean_layout())
    layout_commit(layout_import=check(township, first, users["gis"]), by=users["gis"])
    before = {p.number: (p.pk, p.updated_at) for p in Plot.objects.all()}
    edited = clean_layout()
    edited[2] = ("3", "A", "residential", [(40, 0), (60, 0), (60, 27), (40, 27), (40, 0)])  # 2 m longer
    edited[4] = ("5", "A", "public", edited[4][3])  # use changed
    del edited[9]  # plot 10 left out: kept, listed as missing
    edited.append(("15", "B", "residential", [(310, 10), (330, 10), (330, 35), (310, 35), (310, 10)]))
    second = write_layout(tmp_path / "2", "gpkg", frame, edited)
    checked = check(township, second, users["gis"])
    counts = checked.counts
    assert (counts["added"], counts["changed"], counts["unchanged"], counts["missing"]) == (1, 2, 11, 1)
    assert {c["number"]: c["changes"] for c in checked.report["changed"]} == {"3": ["outline"], "5": ["use"]}
    assert checked.report["missing"] == ["10"] and checked.report["added"] == ["15"]
    layout_commit(layout_import=checked, by=users["gis"])
    after = {p.number: p for p in Plot.objects.all()}
    assert after["3"].area_m2 == Decimal("540.00") and after["5"].use == "public" and "15" in after
    assert "10" in after  # never deleted
    for number in set(before) - {"3", "5"}:
        assert (after[number].pk, after[number].updated_at) == before[number], number
    # History: the commit's events carry the file's hash.
    event = after["3"].history_events.order_by("-pgh_id").first()
    assert event.pgh_context.metadata["layout_sha256"] == checked.sha256
    assert event.pgh_context.metadata["layout_import"] == checked.pk
    assert event.pgh_context.metadata["user"] == users["gis"].pk


def test_moving_an_allocated_plot_needs_confirmation(township, frame, users, tmp_path, make_household):
    first = write_layout(tmp_path / "1", "gpkg", frame, clean_layout())
    layout_commit(layout_import=check(township, first, users["gis"]), by=users["gis"])
    allocate(Plot.objects.get(number="2"), make_household(), users["officer_nangarhar"])
    edited = clean_layout()
    edited[1] = ("2", "A", "residential", [(20, 0), (40, 0), (40, 24), (20, 24), (20, 0)])
    checked = check(township, write_layout(tmp_path / "2", "gpkg", frame, edited), users["gis"])
    assert checked.status == LayoutImport.Status.NEEDS_CONFIRMATION
    assert checked.report["allocated_moves"] == ["2"]
    refused = layout_commit(layout_import=checked, by=users["gis"])
    assert refused.status == LayoutImport.Status.NEEDS_CONFIRMATION
    assert Plot.objects.get(number="2").area_m2 == Decimal("500.00")
    done = layout_commit(layout_import=checked, by=users["gis"], confirm_allocated_moves=True)
    assert done.status == LayoutImport.Status.COMMITTED and done.confirmed_allocated_moves
    assert Plot.objects.get(number="2").area_m2 == Decimal("480.00")


def test_the_mapping_is_remembered_per_source(township, frame, users, tmp_path):
    path = write_layout(tmp_path / "1", "dxf", frame, clean_layout(), srid=32642, declare_crs=False)
    check(township, path, users["gis"], srid=32642, source_name="Ariana Survey")
    source = LayoutSource.objects.get(township=township, name="Ariana Survey")
    assert (source.number_field, source.block_field, source.stated_srid) == ("Text", "Layer", 32642)
    again = layout_check(township=township, path=path, name=path.name, by=users["gis"], source_name="Ariana Survey")
    assert again.status == LayoutImport.Status.CHECKED and again.srid_stated


def test_repairs_are_reported(township, frame, users, tmp_path):
    plots = clean_layout()
    plots[0] = ("1", "A", "residential", [(0, 0), (20, 0), (20, 0), (20, 25), (0, 25), (0, 0)])  # repeated corner
    checked = check(township, write_layout(tmp_path, "gpkg", frame, plots), users["gis"])
    assert checked.status == LayoutImport.Status.CHECKED
    (feature,) = checked.report["features"]
    assert feature["outcome"] == "repaired" and feature["repairs"][0]["code"] == "duplicate_vertex_removed"
    assert checked.counts["repaired"] == 1


def test_a_nearly_closed_dxf_polyline_is_closed_and_an_open_one_rejected(township, frame, users, tmp_path):
    plots = clean_layout()
    plots[0] = ("1", "A", "residential", [(0, 0), (20, 0), (20, 25), (0, 25), (0, 0.2)])  # 20 cm gap
    plots[1] = ("2", "A", "residential", [(20, 0), (40, 0), (40, 25), (20, 25)])  # 25 m gap
    path = write_layout(tmp_path, "dxf", frame, plots, srid=32642, declare_crs=False)
    checked = check(township, path, users["gis"], srid=32642)
    outcome = {f["number"]: f for f in checked.report["features"]}
    assert outcome["1"]["outcome"] == "repaired" and outcome["1"]["repairs"][0]["code"] == "polyline_closed"
    assert outcome["2"]["problems"][0]["code"] == "open_outline"


def test_a_sliver_is_rejected(township, frame, users, tmp_path, settings):
    settings.LANDREG_LAYOUT_MIN_PLOT_M2 = 30
    plots = clean_layout() + [("30", "A", "residential", [(150, 0), (155, 0), (155, 5), (150, 5), (150, 0)])]
    checked = check(township, write_layout(tmp_path, "gpkg", frame, plots), users["gis"])
    (feature,) = checked.report["features"]
    assert feature["problems"][0]["code"] == "sliver" and feature["problems"][0]["params"]["area"] == 25


def test_an_overlap_with_an_existing_plot_is_measured(township, frame, users, tmp_path, plots):
    # The fixture's plots 0, 1, 2 sit at 0..60 × 0..25 m; this file does not carry them.
    layout = [("40", "A", "residential", [(50, 20), (70, 20), (70, 45), (50, 45), (50, 20)])]
    checked = check(township, write_layout(tmp_path, "gpkg", frame, layout), users["gis"])
    (problem,) = checked.report["features"][0]["problems"]
    assert problem["code"] == "overlap" and problem["params"]["existing_number"] == "2"
    assert abs(problem["params"]["area"] - 50) < 0.05


def test_only_gis_specialists_and_administrators_in_scope_may_import(township, frame, users, tmp_path, provinces):
    from landreg import roles
    from landreg.services import user_create

    path = write_layout(tmp_path, "gpkg", frame, clean_layout())
    with pytest.raises(PermissionDenied):
        check(township, path, users["officer_nangarhar"])
    herat_gis = user_create(
        username="gis.h", password="x", roles=[roles.GIS_SPECIALIST], provinces=[provinces["herat"]]
    )
    with pytest.raises(PermissionDenied):
        check(township, path, herat_gis)


def test_an_already_imported_file_is_not_imported_twice(township, frame, users, tmp_path):
    checked = check(township, write_layout(tmp_path, "gpkg", frame, clean_layout()), users["gis"])
    layout_commit(layout_import=checked, by=users["gis"])
    with pytest.raises(ValidationError):
        layout_commit(layout_import=checked, by=users["gis"])


def test_a_hand_written_geojson_ring_left_open_is_closed(township, frame, users, tmp_path):
    """Partners' GeoJSON is sometimes written by hand or by a script that forgets to repeat the first corner."""
    import json

    features = []
    for number, block, use, ring in clean_layout():
        coords = [list(frame.to_wgs.transform(frame.x0 + x, frame.y0 + y)) for x, y in ring]
        if number == "1":
            coords = coords[:-1]  # not closed
        features.append(
            {
                "type": "Feature",
                "properties": {"PLOT_NO": number, "BLOCK": block, "USE": use},
                "geometry": {"type": "Polygon", "coordinates": [coords]},
            }
        )
    path = tmp_path / "partner.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    checked = check(township, path, users["gis"])
    assert checked.status == LayoutImport.Status.CHECKED, checked.report
    (feature,) = checked.report["features"]
    assert feature["number"] == "1" and feature["repairs"] == [{"code": "ring_closed"}]
    layout_commit(layout_import=checked, by=users["gis"])
    assert Plot.objects.get(number="1").area_m2 == Decimal("500.00")


def test_a_feature_without_geometry_is_reported_not_taken_for_a_damaged_file(township, frame, users, tmp_path):
    """GeoJSON allows "geometry": null (a placeholder row in a partner's table): that feature is rejected with its
    reason; the file is read to the end and every other feature checked (the read once called it damaged)."""
    import json

    features = [
        {
            "type": "Feature",
            "properties": {"PLOT_NO": number, "BLOCK": block, "USE": use},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[list(frame.to_wgs.transform(frame.x0 + x, frame.y0 + y)) for x, y in ring]],
            },
        }
        for number, block, use, ring in clean_layout()
    ]
    features.insert(1, {"type": "Feature", "properties": {"PLOT_NO": "99", "BLOCK": "A", "USE": ""}, "geometry": None})
    path = tmp_path / "partner.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    checked = check(township, path, users["gis"])
    assert checked.status == LayoutImport.Status.REJECTED
    assert checked.counts["features"] == len(features) and checked.counts["rejected"] == 1
    (feature,) = checked.report["features"]
    assert feature["number"] == "99"
    assert [p["code"] for p in feature["problems"]] == ["not_a_polygon"]


def test_an_attribute_that_is_not_utf8_gets_a_sentence_not_a_crash(township, frame, users, tmp_path):
    """A Shapefile whose .cpg says UTF-8 but whose table holds other bytes (a plot number typed in a legacy code
    page): the dry run and the list of a field's values both say which feature and what to do."""
    import zipfile

    from townships.layouts.read import layout_field_values, layout_inspect

    plots = clean_layout()
    plots[1] = ("2Z", *plots[1][1:])
    good = write_layout(tmp_path, "shp", frame, plots)
    bad = tmp_path / "legacy.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename.endswith(".dbf"):
                data = data.replace(b"2Z", b"2\xe9")  # the second feature's number
            if not member.filename.endswith(".cpg"):
                target.writestr(member, data)
        target.writestr("plots.cpg", "UTF-8")  # what the table claims to be
    with pytest.raises(LayoutError) as error:
        check(township, bad, users["gis"])
    assert "Feature 1 has an attribute that is not readable text (not UTF-8)" in str(error.value)  # its fid
    with pytest.raises(LayoutError) as error:
        layout_field_values(layout_inspect(path=bad, name=bad.name), "PLOT_NO")
    assert "not UTF-8" in str(error.value)
    assert not LayoutImport.objects.exists()


def test_a_kml_with_a_folder_per_block_is_read_whole(township, frame, users, tmp_path):
    """Google Earth layouts keep each block in a folder; every folder's placemarks are plots."""
    import subprocess

    from tests.townships.layout_files import OGR2OGR

    plots = clean_layout()
    both = tmp_path / "blocks.gpkg"
    for block in ("A", "B"):
        part = write_layout(tmp_path / block, "gpkg", frame, [p for p in plots if p[1] == block], srid=4326)
        subprocess.run(
            [OGR2OGR, *(["-update"] if block == "B" else []), "-f", "GPKG", both, part, "-nln", f"block {block}"],
            check=True,
            capture_output=True,
        )
    path = tmp_path / "google-earth.kml"
    subprocess.run([OGR2OGR, "-f", "LIBKML", path, both], check=True, capture_output=True)
    checked = check(township, path, users["gis"])
    assert checked.status == LayoutImport.Status.CHECKED, checked.report
    assert checked.counts["added"] == 14
    layout_commit(layout_import=checked, by=users["gis"])
    assert Plot.objects.filter(block__code="B").count() == 4


def test_a_number_too_long_for_the_register_is_rejected(township, frame, users, tmp_path):
    plots = clean_layout()
    plots[0] = ("BLOCK-A-PLOT-0001-NORTH-EAST", "A", "residential", plots[0][3])
    checked = check(township, write_layout(tmp_path, "gpkg", frame, plots), users["gis"])
    assert checked.counts["reasons"] == {"number_too_long": 1}


def test_a_file_without_outlines_is_refused(township, frame, users, tmp_path):
    import json

    path = tmp_path / "points.geojson"
    point = {"type": "Point", "coordinates": list(frame.to_wgs.transform(frame.x0 + 5, frame.y0 + 5))}
    feature = {"type": "Feature", "properties": {"PLOT_NO": "1"}, "geometry": point}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    with pytest.raises(LayoutError, match="holds no plot outlines"):
        check(township, path, users["gis"], mapping=Mapping(number="PLOT_NO"))
