"""Load the 34 provinces from the shipped geoBoundaries file joined to the p-code table."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from parcels.services import provinces_load_reference

DATA = Path(settings.BASE_DIR) / "gis_data"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--geojson", type=Path, default=DATA / "geoBoundaries-AFG-ADM1.geojson")
        parser.add_argument("--csv", type=Path, default=DATA / "af_provinces.csv")
        parser.add_argument("--pashto-csv", type=Path, default=DATA / "af_provinces_ps.csv")

    def handle(self, *args, geojson, csv, pashto_csv, **options):
        report = provinces_load_reference(geojson, csv, pashto_csv)
        for line in report.lines():
            self.stdout.write(line)
