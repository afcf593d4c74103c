"""Import provinces and districts from an OCHA COD-AB file (shapefile zip or GeoPackage) you downloaded."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from parcels.services import admin_areas_import_cod_ab


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="afg_adm_..._shp.zip or afg_adm_....gpkg")

    def handle(self, *args, path, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        try:
            report = admin_areas_import_cod_ab(path)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
