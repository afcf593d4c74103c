"""QGIS as a real client: the shipped project opens through a pg_service.conf service, a GIS login edits
plots, and the database's rules and grants answer it by name.

PyQGIS comes from Debian (python3-qgis), which only the system Python can import, so each check runs
a small PyQGIS script under /usr/bin/python3 in a subprocess, on its own connection to the test database.
QGIS commits for real, so these tests are transactional (Django empties the tables afterwards) and drop
the logins and the layer_styles table they create.
"""

import io
import json
import os
import re
import subprocess
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Point
from django.core.management import CommandError, call_command
from django.db import connection

from landreg.history import history_of
from landreg.models import GisLoginProvince
from parcels.models import AdminArea, LandParcel
from tests.conftest import UtmFrame
from townships import services as township_services
from townships.models import Plot

QGIS_PYTHON = "/usr/bin/python3"
QGIS_DIR = Path(settings.BASE_DIR) / "gis_data" / "qgis"
PROJECT = QGIS_DIR / "landreg.qgs"

# Runs under Debian's Python with PyQGIS; reads a task as JSON and prints what QGIS saw as JSON.
QGIS_SCRIPT = r"""
import json
import sys

from qgis.core import QgsApplication, QgsFeatureRequest, QgsPointXY, QgsProject, QgsVectorDataProvider, QgsVectorLayer
from qgis.core import (QgsAuthMethodConfig, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsMapSettings,
                       QgsMapRendererSequentialJob, QgsRectangle, QgsVectorTileLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def describe(layer):
    renderer = layer.renderer()
    return {
        "valid": layer.isValid(),
        "error": layer.dataProvider().error().message() if layer.dataProvider() else "no provider",
        "features": sum(1 for _ in layer.getFeatures()),
        "feature_count": layer.featureCount(),
        "source": layer.source(),
        # QGIS reads the login's privileges and offers editing only where the grants allow it.
        "can_change_geometries": bool(layer.dataProvider().capabilities() & QgsVectorDataProvider.ChangeGeometries),
        "renderer": renderer.type() if renderer else None,
        "class_attribute": renderer.classAttribute() if hasattr(renderer, "classAttribute") else None,
    }


def labels(layer):
    if not layer.labelsEnabled() or layer.labeling() is None:
        return None
    s = layer.labeling().settings()
    return {"field": s.fieldName, "scale_visibility": s.scaleVisibility, "minimum_scale": s.minimumScale}


def same_style(layer, qml):
    # The project's style must be the shipped QML file: load that file into a fresh layer and compare.
    fresh = QgsVectorLayer(layer.source(), "fresh", "postgres")
    if not fresh.isValid():
        return "does not open: " + layer.source()
    message, loaded = fresh.loadNamedStyle(qml)
    if not loaded:
        return message
    return fresh.renderer().dump() == layer.renderer().dump() and labels(fresh) == labels(layer)


def move_vertex(layer, edit):
    request = QgsFeatureRequest().setFilterExpression(f"\"number\" = '{edit['number']}'")
    feature = next(layer.getFeatures(request), None)
    if feature is None:
        return {"moved": False, "committed": False, "errors": [f"no plot {edit['number']} in {layer.name()}"]}
    _, vertex, _, _, _ = feature.geometry().closestVertex(QgsPointXY(*edit["from"]))
    layer.startEditing()
    moved = layer.moveVertex(edit["to"][0], edit["to"][1], feature.id(), vertex)
    committed = layer.commitChanges()
    # The land rules run at commit: QGIS's own summary says only "geometries not changed"; the database's
    # sentence, naming the rule, is in the provider's errors.
    errors = [] if committed else list(layer.commitErrors()) + list(layer.dataProvider().errors())
    if not committed:
        layer.rollBack()
    after = layer.getFeature(feature.id())
    return {"moved": moved, "committed": committed, "errors": errors, "area_m2": float(after["area_m2"])}


def remote_layers(remote):
    # Open the OGC API plots layer and the plots vector tiles over HTTP Basic, and draw the tiles.
    manager = QgsApplication.authManager()
    manager.setMasterPassword("qgis-test-master", True)
    config = QgsAuthMethodConfig("Basic")
    config.setName("landreg")
    config.setConfig("username", remote["username"])
    config.setConfig("password", remote["password"])
    manager.storeAuthenticationConfig(config)
    auth = config.id()
    oapif = QgsVectorLayer(f"url='{remote['base']}/ogc' typename='plots' authcfg='{auth}'", "plots", "OAPIF")
    numbers = sorted(f["number"] for f in oapif.getFeatures()) if oapif.isValid() else []
    tiles = QgsVectorTileLayer(
        f"type=xyz&url={remote['base']}/tiles/plots/{{z}}/{{x}}/{{y}}.mvt&zmin=13&zmax=16&authcfg={auth}", "tiles"
    )
    settings = QgsMapSettings()
    settings.setLayers([tiles])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    extent = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"),
                                    QgsCoordinateReferenceSystem("EPSG:3857"),
                                    QgsProject.instance()).transformBoundingBox(QgsRectangle(*remote["bbox"]))
    settings.setExtent(extent)
    settings.setOutputSize(QSize(512, 512))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    drawn = sum(1 for x in range(0, 512, 4) for y in range(0, 512, 4) if QColor(image.pixel(x, y)).alpha() > 0)
    return {"oapif_valid": oapif.isValid(), "oapif_numbers": numbers, "oapif_fields": oapif.fields().names(),
            "tiles_valid": tiles.isValid(), "tile_pixels": drawn}


def main(task):
    out = {}
    if "project" in task:
        project = QgsProject.instance()
        out["read"] = project.read(task["project"])
        layers = {layer.name(): layer for layer in project.mapLayers().values()}
        out["layers"] = {name: describe(layer) for name, layer in layers.items()}
        out["labels"] = {name: labels(layer) for name, layer in layers.items()}
        out["same_as_style_files"] = {
            name: same_style(layer, task["styles"][name]) for name, layer in layers.items() if name in task["styles"]
        }
        out["edits"] = [move_vertex(layers[edit["layer"]], edit) for edit in task.get("edits", [])]
    if "remote" in task:  # the published services, as a GIS specialist without database access adds them
        out["remote"] = remote_layers(task["remote"])
    if "fresh_layer" in task:  # a layer added from the browser: no project, only the database's default style
        layer = QgsVectorLayer(task["fresh_layer"], "fresh", "postgres")
        out["fresh_layer"] = dict(describe(layer), labels=labels(layer), styles=layer.styleManager().styles())
    out["log"] = LOG
    return out


app = QgsApplication([], False)
app.initQgis()
LOG = []  # QGIS's message log, for the assertion messages when something does not open
QgsApplication.messageLog().messageReceived.connect(lambda message, tag, level: LOG.append(f"{tag}: {message}"))
print("QGIS-RESULT " + json.dumps(main(json.loads(sys.argv[1]))))
app.exitQgis()
"""


def run_qgis(tmp_path, login, task):
    """Run the PyQGIS script as `login`, through a pg_service.conf service `landreg` on the test database."""
    if not Path(QGIS_PYTHON).exists() or subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"]).returncode:
        pytest.fail("PyQGIS is missing: scripts/devenv.sh setup installs python3-qgis and qgis-providers")
    host = connection.get_connection_params().get("host", "")  # the socket folder of the private cluster
    service_file = tmp_path / "pg_service.conf"
    # What a GIS specialist writes (see gis_data/qgis/pg_service.conf.example), pointed at the test database.
    service_file.write_text(f"[landreg]\nhost={host}\ndbname={connection.settings_dict['NAME']}\nuser={login}\n")
    script = tmp_path / "qgis_check.py"
    script.write_text(QGIS_SCRIPT)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    env.update(
        PGSERVICEFILE=str(service_file),
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),  # QGIS writes its profile under HOME
        XDG_RUNTIME_DIR=str(runtime),
    )
    done = subprocess.run(
        [QGIS_PYTHON, str(script), json.dumps(task)], capture_output=True, text=True, env=env, timeout=300
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("QGIS-RESULT ")]
    assert done.returncode == 0 and lines, f"QGIS failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(lines[-1].removeprefix("QGIS-RESULT "))


def style_files():
    """Each layer of the project and the QML file in gis_data/qgis/styles/ it must be styled with."""
    styles = {
        "Provinces": "provinces",
        "Land parcels": "land_parcels",
        "Townships": "townships",
        "Blocks": "blocks",
        "Plots": "plots",
        "Facilities": "facilities",
    }
    return {name: str(QGIS_DIR / "styles" / f"{style}.qml") for name, style in styles.items()}


def point(frame, x, y):
    return list(frame.to_wgs.transform(frame.x0 + x, frame.y0 + y))


@pytest.fixture
def gis_login(transactional_db):
    """Creates GIS logins with the management command (committed, since QGIS connects on its own); drops them."""
    created = []

    def create(role, *provinces):
        name = f"qgis_test_{uuid.uuid4().hex[:10]}"  # roles are cluster-wide: never collide with a colleague's
        out = io.StringIO()
        args = [name, "--role", role] + [arg for pcode in provinces for arg in ("--province", pcode)]
        call_command("create_gis_login", *args, stdout=out)
        created.append(name)
        return name, out.getvalue()

    yield create
    for name in created:
        call_command("create_gis_login", name, "--drop", stdout=io.StringIO())


@pytest.fixture
def layout(transactional_db, provinces, township, plots, frame):
    """Nangarhar with a land parcel, a township, two blocks, three plots side by side and a water point; and a
    township in Herat, which a Nangarhar editor must not see."""
    AdminArea.objects.filter(pk=provinces["nangarhar"].pk).update(geom=MultiPolygon(frame.rect(-5000, -5000, 1e4, 1e4)))
    herat_frame = UtmFrame(62.2, 34.35, 32641)
    AdminArea.objects.filter(pk=provinces["herat"].pk).update(
        geom=MultiPolygon(herat_frame.rect(-5000, -5000, 1e4, 1e4))
    )
    LandParcel.objects.create(
        reference="LP-NAN-1", province=provinces["nangarhar"], geom=MultiPolygon(frame.rect(-10, -10, 520, 320))
    )
    township_services.facility_create(
        township=township, kind="water_point", name="Well 1", geom=Point(*point(frame, 300, 200), srid=4326)
    )
    herat = township_services.township_create(
        code="HRT-TEST",
        name="Herat test township",
        province=provinces["herat"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(herat_frame.rect(0, 0, 300, 300)),
    )
    township_services.plot_create(township=herat, number="1", geom=herat_frame.rect(0, 0, 20, 25))
    return {"township": township, "plots": plots, "frame": frame, "herat": herat}


@pytest.mark.django_db(transaction=True)
def test_a_gis_editor_edits_plots_in_the_shipped_project_and_the_database_answers_by_rule(tmp_path, layout, gis_login):
    login, _ = gis_login("editor", "AF06")
    frame = layout["frame"]
    result = run_qgis(
        tmp_path,
        login,
        {
            "project": str(PROJECT),
            "styles": style_files(),
            "edits": [
                # Plot 0 (0..20 × 0..25 m) grows north at its west side: inside its block, overlapping nothing.
                {"layer": "Plots", "number": "0", "from": point(frame, 0, 25), "to": point(frame, 0, 30)},
                # Plot 1 (20..40 m) pushes a corner 10 m into plot 0: a 125 m² overlap.
                {"layer": "Plots", "number": "1", "from": point(frame, 20, 25), "to": point(frame, 10, 25)},
            ],
        },
    )
    assert result["read"] is True
    layers = result["layers"]
    assert sorted(layers) == ["Blocks", "Facilities", "Land parcels", "Plots", "Provinces", "Townships"]
    for name, layer in layers.items():
        assert layer["valid"], (name, layer["error"], result["log"])
        assert layer["features"] > 0, name
        assert "service='landreg'" in layer["source"], name
        assert not re.search(r"\b(password|user|dbname|host)=", layer["source"]), name
    editable = sorted(name for name, layer in layers.items() if layer["can_change_geometries"])
    assert editable == ["Blocks", "Facilities", "Plots", "Townships"]
    # Row-level security: the Nangarhar editor sees neither the Herat township nor its plot.
    assert layers["Townships"]["features"] == layers["Townships"]["feature_count"] == 1
    assert layers["Plots"]["features"] == layers["Plots"]["feature_count"] == 3
    assert layers["Provinces"]["features"] == 2
    # Styled from the shipped QML files: plots by status, numbers only at large scales; facilities by kind.
    assert result["same_as_style_files"] == {name: True for name in layers}
    assert (layers["Plots"]["renderer"], layers["Plots"]["class_attribute"]) == ("categorizedSymbol", "status")
    assert result["labels"]["Plots"] == {"field": "number", "scale_visibility": True, "minimum_scale": 5000.0}
    assert (layers["Facilities"]["renderer"], layers["Facilities"]["class_attribute"]) == ("categorizedSymbol", "kind")

    moved, overlapping = result["edits"]
    assert moved["moved"] and moved["committed"], moved["errors"]
    assert moved["area_m2"] == pytest.approx(550, abs=0.05)  # re-measured by the database, seen by QGIS
    plot = Plot.objects.get(pk=layout["plots"][0].pk)
    assert float(plot.area_m2) == pytest.approx(550, abs=0.05)
    assert history_of(plot)[-1]["db_role"] == login
    assert history_of(plot)[-1]["user"] == ""  # no application user: the change came from QGIS

    assert overlapping["moved"] and not overlapping["committed"]
    error = " ".join(overlapping["errors"] + result["log"])  # the rule checked at commit: QGIS logs its sentence
    assert "plots_do_not_overlap: plot 1: the plot overlaps plot 0 by 125" in error, error
    assert float(Plot.objects.get(pk=layout["plots"][1].pk).area_m2) == 500.0


@pytest.mark.django_db(transaction=True)
def test_a_reader_sees_every_province_in_the_project_but_cannot_change_a_plot(tmp_path, layout, gis_login):
    login, _ = gis_login("reader")
    frame = layout["frame"]
    result = run_qgis(
        tmp_path,
        login,
        {
            "project": str(PROJECT),
            "styles": {},
            "edits": [{"layer": "Plots", "number": "0", "from": point(frame, 0, 25), "to": point(frame, 0, 30)}],
        },
    )
    assert all(layer["valid"] for layer in result["layers"].values())
    assert result["layers"]["Townships"]["features"] == 2  # readers are not narrowed by province
    assert not any(layer["can_change_geometries"] for layer in result["layers"].values())
    (edit,) = result["edits"]
    assert not edit["committed"]
    assert edit["errors"] == ["ERROR: layer not editable"]
    assert float(Plot.objects.get(pk=layout["plots"][0].pk).area_m2) == 500.0


@pytest.fixture
def layer_styles(transactional_db):
    """Runs install_layer_styles for real; removes the layer_styles table (or our rows) afterwards."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.layer_styles') IS NOT NULL")
        existed = cursor.fetchone()[0]
    out = io.StringIO()
    call_command("install_layer_styles", stdout=out)
    yield out.getvalue()
    with connection.cursor() as cursor:
        if existed:
            cursor.execute("DELETE FROM public.layer_styles WHERE stylename LIKE 'landreg %%'")
        else:
            cursor.execute("DROP TABLE public.layer_styles")


@pytest.mark.django_db(transaction=True)
def test_installed_layer_styles_are_each_layers_default_and_qgis_opens_plots_styled(
    tmp_path, layout, gis_login, layer_styles
):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f_table_name, stylename FROM public.layer_styles "
            "WHERE useasdefault AND f_table_catalog = current_database() AND f_geometry_column = 'geom' ORDER BY 1"
        )
        defaults = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM public.layer_styles")
        total = cursor.fetchone()[0]
    assert defaults == [
        ("parcels_adminarea", "landreg provinces"),
        ("parcels_landparcel", "landreg land parcels"),
        ("townships_block", "landreg blocks"),
        ("townships_facility", "landreg facilities"),
        ("townships_plot", "landreg plots"),
        ("townships_township", "landreg townships"),
    ]
    call_command("install_layer_styles", stdout=io.StringIO())  # again: replaces, does not add
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM public.layer_styles")
        assert cursor.fetchone()[0] == total

    login, _ = gis_login("reader")
    result = run_qgis(
        tmp_path,
        login,
        {"fresh_layer": "service='landreg' key='id' srid=4326 type=Polygon table=\"public\".\"townships_plot\" (geom)"},
    )
    fresh = result["fresh_layer"]
    assert fresh["valid"] and fresh["features"] == 4  # a reader sees the plots of every province
    assert (fresh["renderer"], fresh["class_attribute"]) == ("categorizedSymbol", "status")
    assert fresh["labels"] == {"field": "number", "scale_visibility": True, "minimum_scale": 5000.0}


@pytest.mark.django_db
def test_create_gis_login_prints_a_generated_password_once_and_records_the_provinces(provinces):
    # Inside the test's transaction: the role is rolled back with it.
    name = f"gis.cmd_{uuid.uuid4().hex[:10]}"
    out = io.StringIO()
    call_command("create_gis_login", name, "--role", "editor", "--province", "AF06", "--province", "AF32", stdout=out)
    text = out.getvalue()
    assert f"Created login {name} (landreg_gis_editor) in AF06, AF32." in text
    assert re.search(r"Password \(shown this once.*\): \S{20,}", text)
    assert sorted(GisLoginProvince.objects.filter(role_name=name).values_list("province__pcode", flat=True)) == [
        "AF06",
        "AF32",
    ]
    out = io.StringIO()
    call_command("create_gis_login", name, "--role", "reader", "--password", "chosen-secret", stdout=out)
    assert f"Updated login {name} (landreg_reader)." in out.getvalue()
    assert "chosen-secret" not in out.getvalue()
    assert not GisLoginProvince.objects.filter(role_name=name).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s",
            [name],
        )
        assert cursor.fetchall() == [("landreg_reader",)]
    call_command("create_gis_login", name, "--drop", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", [name])
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, sentence",
    [
        (["landreg", "--role", "reader"], "The database role landreg exists and is not a GIS login"),
        (["gis.cmd_x", "--role", "editor"], "Say where the editor works: --province AF06"),
        (["gis.cmd_x", "--role", "editor", "--province", "AF77"], "No province has the p-code AF77"),
        (["gis.cmd_x", "--role", "reader", "--province", "AF06"], "A reader sees every published layer"),
        (["Robert'); DROP", "--role", "reader"], "is not a usable login name"),
    ],
)
def test_create_gis_login_refuses_with_a_sentence(provinces, args, sentence):
    with pytest.raises(CommandError, match=re.escape(sentence)):
        call_command("create_gis_login", *args, stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_qgis_reads_the_ogc_api_plots_layer_and_draws_the_vector_tiles(live_server, tmp_path, layout, users):
    users["gis"].set_password("qgis-remote-1")
    users["gis"].save()
    frame = layout["frame"]
    (x0, y0), (x1, y1) = point(frame, -20, -20), point(frame, 120, 60)
    result = run_qgis(
        tmp_path,
        "nobody",
        {"remote": {"base": live_server.url, "username": "gis", "password": "qgis-remote-1", "bbox": [x0, y0, x1, y1]}},
    )
    remote = result["remote"]
    assert remote["oapif_valid"], result["log"]
    assert remote["oapif_numbers"] == sorted(p.number for p in Plot.objects.all()), result["log"]
    assert {"number", "status", "area_m2"} <= set(remote["oapif_fields"])
    assert remote["tiles_valid"] and remote["tile_pixels"] > 50, result["log"]
