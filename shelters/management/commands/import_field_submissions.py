"""manage.py import_field_submissions: load a KoboToolbox / ODK Central export of our XLSForms, as its uploader."""

import json
import zipfile
import zlib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from landreg.kobo_exports import max_export_bytes
from shelters.kobo import Attachments, import_inspector, submissions_import


def _sentence(error: ValidationError) -> str:
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Import shelter inspections or occupancy checks exported from KoboToolbox or ODK Central (JSON or CSV), "
        "with their photos (a folder or a zip), as the uploader named by --user: their provinces bound every row. "
        "Importing the same export again creates nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help="The JSON or CSV export (an ODK Central zip holds the CSV and media/).")
        parser.add_argument("--form", choices=["inspection", "occupancy"], default="inspection")
        parser.add_argument("--media", help="Folder or zip of the photo attachments.")
        parser.add_argument(
            "--user",
            required=True,
            help="The uploader (a field officer, land officer or administrator): the import acts for them, only "
            "on plots of their provinces, and records them on every visit it makes.",
        )
        parser.add_argument(
            "--inspector",
            help="Field officer to record when a submission's username is not a landreg user (checked for each "
            "row: an active field officer of the row's plot).",
        )

    def handle(self, *args, export, form, media, user, inspector, **options):
        by = get_user_model().objects.filter(username=user, is_active=True).first()
        if by is None:
            raise CommandError(f"There is no active user {user}; --user names the landreg user who imports.")
        try:
            default_inspector = import_inspector(inspector) if inspector else None
            attachments = Attachments(media) if media else Attachments()
            data, filename = self._export(Path(export), attachments)
            report = submissions_import(
                form=form, data=data, filename=filename, attachments=attachments, by=by, inspector=default_inspector
            )
        except ValidationError as error:
            raise CommandError(_sentence(error)) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))

    def _export(self, path: Path, attachments: Attachments) -> tuple[bytes, str]:
        """The export's bytes and name; an ODK Central zip gives its CSV or JSON, and its media join the photos."""
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        if path.stat().st_size > max_export_bytes():
            raise CommandError(f"{path} is larger than the import limit ({max_export_bytes() / 1e6:.0f} MB).")
        if path.suffix.lower() != ".zip":
            return path.read_bytes(), path.name
        attachments.add_zip(path)  # refuses a file that is not a zip
        with zipfile.ZipFile(path) as archive:
            names = [i for i in archive.infolist() if i.filename.lower().endswith((".csv", ".json"))]
            if not names:
                raise CommandError("The zip holds no CSV or JSON export.")
            if names[0].file_size > max_export_bytes():
                raise CommandError(f"The export in the zip is larger than {max_export_bytes() / 1e6:.0f} MB.")
            try:
                with archive.open(names[0]) as handle:
                    data = handle.read(max_export_bytes() + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error) as error:
                raise CommandError(f"The export in the zip cannot be read: {error}") from None
        return data, names[0].filename
