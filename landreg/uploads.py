"""The HTTP side of upload limits, shared by the two faces (the API and the pages must not import each other)."""

import re

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _

MIB = 1024 * 1024  # sizes are shown in MiB, as the limit is set (LANDREG_MAX_UPLOAD_BYTES = 200 × 1024²)


def max_upload_mib() -> int:
    """The upload limit as every page, error and doc gives it: 200 (MiB) by default."""
    return max(1, settings.LANDREG_MAX_UPLOAD_BYTES // MIB)


def over_limit_sentence() -> str:
    """What a refused oversized layer upload is told, on the pages and through the API alike."""
    return _("The file is over the %(mb)d MiB upload limit. Split the layer into several files.") % {
        "mb": max_upload_mib()
    }


def safe_upload_name(name: str) -> str:
    """The uploaded file's own name, reduced to letters, digits, dots, dashes and underscores (a name is the
    client's to choose: it may hold a path, markup or hundreds of characters), with its ending kept."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    stem = re.sub(r"[^\w-]+", "_", stem if dot else base).strip("_.")[:80] or "upload"
    return f"{stem}.{suffix.lower()}" if dot else stem


class UploadLimit(FileUploadHandler):
    """Stops reading an upload once it passes LANDREG_MAX_UPLOAD_BYTES, whatever Content-Length said, and sets
    request.layout_upload_too_large so the view answers with the limit instead of reading on. Insert it first in
    request.upload_handlers, before the body is read."""

    def __init__(self, request=None):
        super().__init__(request)
        self.seen = 0

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > settings.LANDREG_MAX_UPLOAD_BYTES:
            self.request.layout_upload_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None
