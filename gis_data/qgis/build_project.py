"""Builds landreg.qgs, the QGIS project for GIS specialists, from the styles in styles/ (PyQGIS).

The project names no database, user or password: every layer connects through the pg_service.conf
service `landreg`, so each person's own service file says where and as whom. Run it with Debian's
python3-qgis (not the project's virtualenv) and a service `landreg` that reaches a migrated landreg
database (any login that can read the layers):

    PGSERVICEFILE=~/.pg_service.conf QT_QPA_PLATFORM=offscreen /usr/bin/python3 gis_data/qgis/build_project.py

Edit a style in QGIS (Layer Properties > Style > Save Style… as QML over the file in styles/), then
rebuild the project and run `manage.py install_layer_styles` so that both carry the same style.
"""

import sys
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsProject,
    QgsRectangle,
    QgsReferencedRectangle,
    QgsSnappingConfig,
    QgsTolerance,
    QgsUnitTypes,
    QgsVectorLayer,
)

HERE = Path(__file__).resolve().parent

# (layer name, table, geometry column, geometry type, filter, style file), drawn bottom to top.
LAYERS = [
    ("Provinces", "parcels_adminarea", "geom", "MultiPolygon", "\"level\" = 'province'", "provinces"),
    ("Land parcels", "parcels_landparcel", "geom", "MultiPolygon", "", "land_parcels"),
    ("Townships", "townships_township", "geom", "MultiPolygon", "", "townships"),
    ("Blocks", "townships_block", "geom", "Polygon", "", "blocks"),
    ("Plots", "townships_plot", "geom", "Polygon", "", "plots"),
    ("Facilities", "townships_facility", "geom", "Point", "", "facilities"),
]
AFGHANISTAN = QgsRectangle(60.4, 29.3, 75.1, 38.6)


def datasource(table, column, geometry_type, where):
    uri = f"service='landreg' key='id' srid=4326 type={geometry_type} table=\"public\".\"{table}\" ({column})"
    return uri + (f" sql={where}" if where else "")


def build(output: Path) -> list[str]:
    project = QgsProject.instance()
    project.clear()
    project.setTitle("landreg: townships, blocks and plots")
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    # Distances and areas measured on the ellipsoid, in metres, like the database's UTM measurement.
    project.setEllipsoid("EPSG:7030")
    project.setDistanceUnits(QgsUnitTypes.DistanceMeters)
    project.setAreaUnits(QgsUnitTypes.AreaSquareMeters)
    project.viewSettings().setDefaultViewExtent(
        QgsReferencedRectangle(AFGHANISTAN, QgsCoordinateReferenceSystem("EPSG:4326"))
    )
    # Snap to the vertices and edges of every layer, so neighbouring plots share edges exactly.
    snapping = QgsSnappingConfig(project)
    snapping.setEnabled(True)
    snapping.setMode(QgsSnappingConfig.AllLayers)
    snapping.setTypeFlag(QgsSnappingConfig.VertexFlag | QgsSnappingConfig.SegmentFlag)
    snapping.setTolerance(10)
    snapping.setUnits(QgsTolerance.Pixels)
    project.setSnappingConfig(snapping)
    problems = []
    for name, table, column, geometry_type, where, style in LAYERS:
        layer = QgsVectorLayer(datasource(table, column, geometry_type, where), name, "postgres")
        if not layer.isValid():
            problems.append(f"{name}: the layer does not open ({layer.dataProvider().error().message()})")
            continue
        message, ok = layer.loadNamedStyle(str(HERE / "styles" / f"{style}.qml"))
        if not ok:
            problems.append(f"{name}: {message}")
        project.addMapLayer(layer, False)
        project.layerTreeRoot().insertLayer(0, layer)  # each later layer is drawn above the earlier ones
    if not problems:
        project.write(str(output))
    return problems


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "landreg.qgs"
    failures = build(target)
    for failure in failures:
        print(failure, file=sys.stderr)
    if not failures:
        print(f"wrote {target}")
    app.exitQgis()
    sys.exit(1 if failures else 0)
