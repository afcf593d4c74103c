"""Where the uploaded layout files and the problem GeoPackages are kept (MEDIA_ROOT/layouts), by SHA-256, and the
clean-up of the files that were never imported."""

import hashlib
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from townships.layouts.limits import LayoutError, max_upload_bytes, too_large_message
from townships.layouts.read import _format
from townships.models import LayoutImport


def _storage() -> Path:
    return Path(settings.MEDIA_ROOT) / "layouts"


def stored_path(layout_import: LayoutImport) -> Path:
    return _storage() / layout_import.sha256 / ("layout" + Path(layout_import.file_name).suffix.lower())


def report_path(layout_import: LayoutImport) -> Path:
    return _storage() / "reports" / f"{layout_import.pk}.gpkg"


def layout_file_store(*, name: str, chunks) -> tuple[Path, str, int]:
    """Keep an uploaded file by its SHA-256, counting bytes as they arrive: past the limit it is refused and
    nothing is kept. chunks: an iterable of bytes (an UploadedFile's .chunks(), or an open file)."""
    _format(name)  # refuse an unknown kind of file before keeping anything
    folder = _storage() / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as out:
        try:
            for chunk in chunks:
                size += len(chunk)
                if size > max_upload_bytes():
                    raise LayoutError(too_large_message(size))
                digest.update(chunk)
                out.write(chunk)
        except BaseException:
            Path(out.name).unlink(missing_ok=True)
            raise
    sha = digest.hexdigest()
    target = _storage() / sha / ("layout" + Path(name).suffix.lower())
    target.parent.mkdir(parents=True, exist_ok=True)
    Path(out.name).replace(target)
    return target, sha, size


def layout_files_clean(*, older_than_hours: float | None = None) -> list[Path]:
    """Delete uploaded layout files that were never imported, once older than LANDREG_IMPORT_RETENTION_HOURS:
    files kept for a dry run whose import was not committed (or whose check failed before it was recorded), and
    partial uploads left in incoming/. Files of committed imports stay (the plots' history names them by hash),
    and so do the problem GeoPackages (they hold no personal data and the import's report links to them)."""
    hours = settings.LANDREG_IMPORT_RETENTION_HOURS if older_than_hours is None else older_than_hours
    cutoff = time.time() - hours * 3600
    storage = _storage()
    if not storage.is_dir():
        return []
    imports = LayoutImport.objects.values_list("sha256", flat=True)
    committed = set(imports.filter(status=LayoutImport.Status.COMMITTED))
    recent = set(imports.filter(created_at__gte=timezone.now() - timedelta(hours=hours)))
    removed = []
    for folder in sorted(storage.iterdir()):
        if not folder.is_dir() or folder.name == "reports":
            continue
        if folder.name != "incoming" and (folder.name in committed or folder.name in recent):
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed.append(path)
        if folder.name != "incoming" and not any(folder.iterdir()):
            folder.rmdir()
    return removed


def _file_chunks(path: Path):
    with open(path, "rb") as f:
        yield from iter(lambda: f.read(1 << 20), b"")
