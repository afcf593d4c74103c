"""Store a planning raster (an elevation model, a flood hazard map, land cover) as a cloud-optimised GeoTIFF."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from parcels.models import AdminArea, LandParcel
from planning.rasters import RasterError, raster_import
from townships.models import Township


class Command(BaseCommand):
    help = "Import a GeoTIFF as a planning raster (docs/planning.md)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--kind", required=True, choices=["dem", "flood", "landcover"])
        parser.add_argument("--name", required=True)
        parser.add_argument("--source", required=True, help="Copernicus GLO-30, SRTM, a flood study…")
        parser.add_argument("--licence", required=True)
        parser.add_argument("--by", required=True, help="The administrator's username.")
        parser.add_argument("--province", default="", help="p-code; empty: for every province.")
        parser.add_argument("--crs", default="", help="EPSG code when the file declares none, e.g. EPSG:32642.")
        parser.add_argument("--flood-classes", default="", help='JSON: [{"value": 3, "label": "…", "hazard": "high"}]')
        parser.add_argument("--township", default="", help="Refuse the file unless it covers this township (code).")
        parser.add_argument("--parcel", default="", help="Refuse the file unless it covers this land parcel.")

    def handle(self, *args, **options):
        by = get_user_model().objects.filter(username=options["by"]).first()
        if by is None:
            raise CommandError(f"No user {options['by']}.")
        province = None
        if options["province"]:
            province = AdminArea.objects.filter(pcode=options["province"], level="province").first()
            if province is None:
                raise CommandError(f"No province {options['province']}.")
        site = None
        if options["township"]:
            site = Township.objects.filter(code=options["township"]).values_list("geom", flat=True).first()
        elif options["parcel"]:
            site = LandParcel.objects.filter(reference=options["parcel"]).values_list("geom", flat=True).first()
        if (options["township"] or options["parcel"]) and site is None:
            raise CommandError("No such township or land parcel.")
        try:
            classes = json.loads(options["flood_classes"]) if options["flood_classes"] else None
        except ValueError as exc:
            raise CommandError(f"--flood-classes is not JSON: {exc}") from None
        try:
            layer = raster_import(
                source_path=options["path"],
                kind=options["kind"],
                name=options["name"],
                source=options["source"],
                licence=options["licence"],
                by=by,
                province=province,
                crs=options["crs"],
                flood_classes=classes,
                site_geom=site,
            )
        except RasterError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"stored raster {layer.pk}: {layer} ({layer.resolution_m} m, {layer.source_crs})")
