"""Import a GeoTIFF (drone orthophoto, satellite scene) as imagery: converted to a cloud-optimised GeoTIFF under
MEDIA_ROOT/imagery/ and served as raster tiles at /tiles/imagery/<id>/{z}/{x}/{y}.png."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from parcels.models import AdminArea
from parcels.services import ImageryError, imagery_import


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("path", help="The GeoTIFF to import.")
        parser.add_argument("--name", required=True, help="What the map calls it, e.g. 'Sheikh Mesri, drone 2026'.")
        parser.add_argument("--province", help="P-code of the province whose users see it (default: everyone).")
        parser.add_argument("--source", default="", help="Drone survey, Sentinel-2, …")
        parser.add_argument("--captured-on", help="Date the scene was taken (YYYY-MM-DD).")
        parser.add_argument("--crs", default="", help="The CRS, when the file declares none (e.g. EPSG:32642).")

    def handle(self, *args, **options):
        province = None
        if options["province"]:
            province = AdminArea.objects.filter(level="province", pcode=options["province"]).first()
            if province is None:
                raise CommandError(f"There is no province with the p-code {options['province']}.")
        captured_on = None
        if options["captured_on"]:
            try:
                captured_on = datetime.date.fromisoformat(options["captured_on"])
            except ValueError:
                raise CommandError("Give --captured-on as YYYY-MM-DD.") from None
        try:
            imagery = imagery_import(
                source_path=options["path"],
                name=options["name"],
                province=province,
                source=options["source"],
                captured_on=captured_on,
                crs=options["crs"],
            )
        except ImageryError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Imagery {imagery.pk} '{imagery.name}': {imagery.resolution_m} m pixels, full detail at zoom "
            f"{imagery.maxzoom}, {imagery.size_bytes // 1024} KB, "
            f"tiles at /tiles/imagery/{imagery.pk}/{{z}}/{{x}}/{{y}}.png"
        )
