"""Load the 34 provinces from the shipped geoBoundaries file joined to the p-code table, then the border crossing
points of gis_data/border_crossings.csv."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from parcels.services import crossing_points_load_reference, provinces_load_reference

DATA = Path(settings.BASE_DIR) / "gis_data"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--geojson", type=Path, default=DATA / "geoBoundaries-AFG-ADM1.geojson")
        parser.add_argument("--csv", type=Path, default=DATA / "af_provinces.csv")
        parser.add_argument("--pashto-csv", type=Path, default=DATA / "af_provinces_ps.csv")
        parser.add_argument("--crossing-points", type=Path, default=DATA / "border_crossings.csv")

    def handle(self, *args, geojson, csv, pashto_csv, crossing_points, **options):
        report = provinces_load_reference(geojson, csv, pashto_csv)
        for line in report.lines():
            self.stdout.write(line)
        report = crossing_points_load_reference(crossing_points)
        for line in report.lines():
            self.stdout.write(f"crossing points: {line}")
