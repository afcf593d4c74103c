"""The "Export as GeoPackage" action for the Township changelist (wired in townships/admin.py with
`actions = [export_as_geopackage]`). One township gives NAN-SMD.gpkg; several give a zip of GeoPackages."""

import shutil
import tempfile
import zipfile
from pathlib import Path

from django.contrib import admin, messages
from django.http import FileResponse

from townships import exports


@admin.action(description="Export as GeoPackage")
def export_as_geopackage(modeladmin, request, queryset):
    allowed = exports.townships_exportable_by(request.user)
    townships = list(queryset.filter(pk__in=allowed.values("pk")).order_by("code"))
    left_out = queryset.count() - len(townships)
    if not townships:
        modeladmin.message_user(
            request, "None of the selected townships is in your provinces, so nothing was exported.", messages.ERROR
        )
        return None
    if left_out:
        # The file is the response, so this message shows on the next page the user opens.
        modeladmin.message_user(
            request, f"{left_out} selected township(s) outside your provinces were left out.", messages.WARNING
        )
    where = request.path
    try:
        if len(townships) == 1:
            handle, name = exports.township_export_open(township=townships[0], fmt="gpkg", by=request.user, where=where)
            return FileResponse(
                handle, as_attachment=True, filename=name, content_type=exports.FORMATS["gpkg"].content_type
            )
        return _zip_of_geopackages(townships, by=request.user, where=where)
    except exports.ExportFailed as exc:
        modeladmin.message_user(request, f"The GeoPackage could not be written: {exc}", messages.ERROR)
        return None


def _zip_of_geopackages(townships, *, by, where: str) -> FileResponse:
    tmp = Path(tempfile.mkdtemp(prefix="landreg-export-"))
    try:
        archive = tmp / "townships.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            for township in townships:
                path, _written = exports.township_export(township=township, fmt="gpkg", directory=tmp)
                zipped.write(path, arcname=path.name)
                path.unlink()
                exports.export_log(township=township, by=by, where=where)
        handle = archive.open("rb")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return FileResponse(handle, as_attachment=True, filename="townships-geopackage.zip", content_type="application/zip")
