"""Export a township's layers to a file (GeoPackage, zipped Shapefile, GeoJSON, CSV or KML), layer by layer."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from townships import exports
from townships.models import Township


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("code", help="The township's code, e.g. NAN-SMD.")
        parser.add_argument(
            "--format",
            dest="fmt",
            required=True,
            choices=["gpkg", "shp", *exports.FORMATS],
            help="gpkg holds every layer; the others one layer (--layer, default plots). shp means shp.zip.",
        )
        parser.add_argument("--out", type=Path, required=True, help="The file to write (replaced if it exists).")
        parser.add_argument("--layer", choices=list(exports.LAYERS), help="Only this layer.")
        parser.add_argument(
            "--csv-geometry", choices=exports.CSV_GEOMETRIES, default="wkt", help="CSV: a WKT column, or lon/lat."
        )

    def handle(self, *args, code, fmt, out, layer, csv_geometry, **options):
        fmt = "shp.zip" if fmt == "shp" else fmt
        township = Township.objects.filter(code=code).first()
        if township is None:
            raise CommandError(f"There is no township with the code {code}.")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        if fmt == "shp.zip" and out.suffix != ".zip":
            raise CommandError(f"A zipped Shapefile needs a name ending in .shp.zip, not {out.name}.")

        def progress(i, n, layer_name, features):
            self.stdout.write(f"[{i}/{n}] {layer_name}: {features} feature{'' if features == 1 else 's'}")

        try:
            layers = exports.export_request_check(fmt=fmt, layer=layer, csv_geometry=csv_geometry)
            written = exports.township_export_to(
                township=township,
                fmt=fmt,
                out=out,
                layers=layers,
                csv_geometry=csv_geometry,
                progress=progress,
                where="manage.py export_township",
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except exports.ExportFailed as exc:
            raise CommandError(str(exc)) from exc
        seconds = sum(w.seconds for w in written)
        total = sum(w.features for w in written)
        self.stdout.write(
            self.style.SUCCESS(f"wrote {out}: {len(written)} layer(s), {total} features, {seconds:.1f} s in ogr2ogr")
        )
