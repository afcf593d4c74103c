"""Write the shipped QGIS styles (gis_data/qgis/styles/*.qml) into the database's layer_styles table, as
each layer's default style, so that a layer added from the database browser in QGIS opens styled."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction

STYLES = Path(settings.BASE_DIR) / "gis_data" / "qgis" / "styles"

# (table, geometry column, geometry type as QGIS records it, style file, style name, description)
LAYER_STYLES = [
    ("townships_plot", "geom", "Polygon", "plots", "landreg plots", "Plots by status; plot numbers below 1:5,000."),
    ("townships_block", "geom", "Polygon", "blocks", "landreg blocks", "Block outlines; block codes below 1:20,000."),
    ("townships_township", "geom", "Polygon", "townships", "landreg townships", "Township outlines and names."),
    ("townships_facility", "geom", "Point", "facilities", "landreg facilities", "A symbol per kind of facility."),
    ("parcels_landparcel", "geom", "Polygon", "land_parcels", "landreg land parcels", "By legal status."),
    ("parcels_adminarea", "geom", "Polygon", "provinces", "landreg provinces", "Province outlines and names."),
]

# QGIS's own definition of the table (what QGIS creates when a user first saves a style to PostgreSQL).
CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS public.layer_styles (
  id serial PRIMARY KEY,
  f_table_catalog varchar,
  f_table_schema varchar,
  f_table_name varchar,
  f_geometry_column varchar,
  stylename text,
  styleqml xml,
  stylesld xml,
  useasdefault boolean,
  description text,
  owner varchar(63) DEFAULT CURRENT_USER,
  ui xml,
  update_time timestamp DEFAULT CURRENT_TIMESTAMP,
  type varchar
)
"""


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(CREATE_TABLE)
            # Both GIS group roles read the styles; neither may change the ones shipped here.
            cursor.execute("GRANT SELECT ON public.layer_styles TO landreg_gis_editor, landreg_reader")
            for table, column, geometry_type, style, name, description in LAYER_STYLES:
                qml = (STYLES / f"{style}.qml").read_text(encoding="utf-8")
                qml = qml.removeprefix("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>").lstrip()
                where = (
                    "f_table_catalog = current_database() AND f_table_schema = 'public' AND f_table_name = %s "
                    "AND f_geometry_column = %s"
                )
                # One default per layer, as QGIS does when a user saves a style as the default.
                cursor.execute(f"UPDATE public.layer_styles SET useasdefault = false WHERE {where}", [table, column])
                cursor.execute(
                    f"DELETE FROM public.layer_styles WHERE {where} AND stylename = %s", [table, column, name]
                )
                cursor.execute(
                    "INSERT INTO public.layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                    "f_geometry_column, stylename, styleqml, useasdefault, description, type) "
                    "VALUES (current_database(), 'public', %s, %s, %s, XMLPARSE(DOCUMENT %s), true, %s, %s)",
                    [
                        table,
                        column,
                        name,
                        qml,
                        f"{description} Installed by manage.py install_layer_styles.",
                        geometry_type,
                    ],
                )
                self.stdout.write(f"{table}: {name} ({style}.qml) is the default style")
