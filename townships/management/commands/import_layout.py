"""Check a township layout file (dry run, the default) or import it with --commit, all or nothing.

Prints the report: every repaired and rejected feature with its reason, and the differences with the plots
already in the township (added, changed, unchanged, missing). With --report, also writes the problems as a
GeoPackage for QGIS. The mapping and a stated CRS are remembered under --source for the next file.
"""

import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from townships import layouts
from townships.models import LayoutImport, Township


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A .gpkg, .zip (Shapefile), .geojson, .kml or .dxf file.")
        parser.add_argument("--township", required=True, help="The township's code, e.g. NAN-SMD.")
        parser.add_argument("--user", required=True, help="The GIS specialist or administrator importing it.")
        parser.add_argument("--source", default="", help="The surveyor or office: remembers the mapping.")
        parser.add_argument("--number-field", default="", help="Attribute with the plot number (DXF: Text).")
        parser.add_argument("--block-field", default="", help="Attribute with the block code (DXF: Layer).")
        parser.add_argument("--use-field", default="", help="Attribute with the plot use.")
        parser.add_argument(
            "--use-value",
            action="append",
            default=[],
            metavar="VALUE=USE",
            help="The file's spelling of a use, e.g. RES=residential (repeatable).",
        )
        parser.add_argument("--srid", type=int, help="EPSG code of the CRS, for a file that declares none.")
        parser.add_argument("--commit", action="store_true", help="Import it (otherwise only check).")
        parser.add_argument(
            "--confirm-allocated-moves",
            action="store_true",
            help="Allow the import to move plots that hold an active allocation (they are listed first).",
        )
        parser.add_argument("--report", type=Path, help="Write the problems as a GeoPackage here.")

    def handle(self, *args, **o):
        township = Township.objects.filter(code=o["township"]).first()
        if township is None:
            raise CommandError(f"There is no township with the code {o['township']}.")
        user = get_user_model().objects.filter(username=o["user"]).first()
        if user is None:
            raise CommandError(f"There is no user {o['user']}.")
        if not o["file"].is_file():
            raise CommandError(f"{o['file']} is not a file.")
        mapping = None
        if o["number_field"]:
            use_values = dict(v.split("=", 1) for v in o["use_value"] if "=" in v)
            mapping = layouts.Mapping(o["number_field"], o["block_field"], o["use_field"], use_values)
        try:
            checked = layouts.layout_check(
                township=township,
                path=o["file"],
                name=o["file"].name,
                by=user,
                mapping=mapping,
                source_name=o["source"],
                srid=o["srid"],
            )
            self._print(checked)
            if o["report"] and layouts.report_path(checked).exists():
                shutil.copyfile(layouts.report_path(checked), o["report"])
                self.stdout.write(f"Problems written to {o['report']} (layers layout_problems, problem_places).")
            if not o["commit"]:
                return
            if checked.status == LayoutImport.Status.REJECTED:
                raise CommandError("Nothing imported: fix the rejected features and run it again.")
            done = layouts.layout_commit(
                layout_import=checked, by=user, confirm_allocated_moves=o["confirm_allocated_moves"]
            )
        except layouts.LayoutError as exc:
            raise CommandError(str(exc)) from exc
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        if done.status != LayoutImport.Status.COMMITTED:
            self._print(done)
            raise CommandError(
                "Nothing imported: it would move plots that hold an active allocation. Check them, then run "
                "again with --confirm-allocated-moves."
                if done.status == LayoutImport.Status.NEEDS_CONFIRMATION
                else "Nothing imported: the layout no longer passes the checks."
            )
        c = done.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {done.file_name} (SHA-256 {done.sha256}) into {township.code}: {c['added']} added, "
                f"{c['changed']} changed, {c['unchanged']} unchanged, {c['missing']} not in the file (kept). "
                f"Layout import #{done.pk}."
            )
        )

    def _print(self, checked: LayoutImport) -> None:
        c = checked.counts
        self.stdout.write(
            f"{checked.file_name}: {checked.file_format}, CRS {checked.crs_name}"
            f"{' (stated)' if checked.srid_stated else ''}, {c['features']} features: {c['valid']} valid, "
            f"{c['repaired']} repaired, {c['rejected']} rejected. Against the township: {c['added']} to add, "
            f"{c['changed']} to change, {c['unchanged']} unchanged, {c['missing']} not in the file."
        )
        for feature in checked.report.get("features", []):
            texts = [layouts.problem_text(p) for p in feature["problems"]] or [
                layouts.repair_text(r) for r in feature["repairs"]
            ]
            self.stdout.write(
                f"  feature {feature['fid']} (plot {feature['number'] or '?'}): {feature['outcome']}: {' '.join(texts)}"
            )
        for change in checked.report.get("changed", []):
            where = ""
            if "block_before" in change:
                where = f", block {change['block_before'] or '-'} -> {change['block_after'] or '-'}"
                where += f", moves {change['moved_m']} m" if change.get("moved_m") is not None else ""
            flag = "  A different plot with the same number?" if change.get("different_plot") else ""
            self.stdout.write(f"  plot {change['number']}: changes {', '.join(change['changes'])}{where}{flag}")
        if checked.report.get("allocated_moves"):
            self.stdout.write(
                self.style.WARNING(
                    "  These plots hold an active allocation and would move: "
                    + ", ".join(checked.report["allocated_moves"])
                )
            )
