"""Import water points, roads or services from a GeoPackage, zipped Shapefile, GeoJSON or KML."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from parcels.models import AdminArea
from planning.services import AccessLayerError, access_features_import


class Command(BaseCommand):
    help = "Import an access layer (water, road, service) into a province, all or nothing (docs/planning.md)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--layer", required=True, choices=["water", "road", "service"])
        parser.add_argument("--province", required=True, help="p-code, e.g. AF06")
        parser.add_argument("--by", required=True, help="An administrator's or GIS specialist's username.")
        parser.add_argument("--kind-field", default="", help="The attribute holding the kind (or road class).")
        parser.add_argument("--default-kind", default="", help="The kind of features without one.")
        parser.add_argument("--name-field", default="")
        parser.add_argument("--status-field", default="", help="Water and services: 'no', 'broken', 'dry'… = off.")
        parser.add_argument("--srid", type=int, default=None, help="EPSG code when the file declares none.")
        parser.add_argument("--source", default="", help="Where the data comes from (default: the file's name).")

    def handle(self, *args, **options):
        by = get_user_model().objects.filter(username=options["by"]).first()
        province = AdminArea.objects.filter(pcode=options["province"], level="province").first()
        if by is None or province is None:
            raise CommandError("Name an existing user (--by) and province (--province).")
        try:
            count = access_features_import(
                path=options["path"],
                layer=options["layer"],
                province=province,
                by=by,
                kind_field=options["kind_field"],
                default_kind=options["default_kind"],
                name_field=options["name_field"],
                status_field=options["status_field"],
                srid=options["srid"],
                source=options["source"],
            )
        except (AccessLayerError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"{count} {options['layer']} features imported into {province.pcode}")
