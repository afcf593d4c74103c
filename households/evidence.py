"""What an uploaded evidence file really is: a whole PDF, JPEG or PNG, read to the end, or a refusal.

The first bytes prove nothing (a JPEG header followed by an HTML page is not a scan), and neither does the name the
client gives. Images are opened, verified and decoded by Pillow; PDFs need the `%PDF-` header, an `%%EOF` marker
at the end, and `pdfinfo` (poppler-utils) able to parse them. The file is then kept under a generated name with
the extension of the type found.
"""

import subprocess
import tempfile
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PDFINFO = "/usr/bin/pdfinfo"
EXTENSIONS = {"PDF": ".pdf", "JPEG": ".jpg", "PNG": ".png"}
# An A3 page scanned at 600 dpi is 70 million pixels; decoding more would take gigabytes from a 10 MB file.
MAX_PIXELS = 80_000_000


def _refusal() -> ValidationError:
    return ValidationError(
        {
            "file": ValidationError(
                _(
                    "Upload a PDF, JPEG or PNG scan; this file is none of these, or it is damaged. Scan the document "
                    "again, or save it as PDF."
                ),
                code="file_type",
            )
        }
    )


def _is_image(data: bytes) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(_bytes(data)) as image:
                kind = image.format
                image.verify()  # checksums and structure
            with Image.open(_bytes(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ValidationError(
                        {
                            "file": ValidationError(
                                _(
                                    "The image is %(w)d × %(h)d pixels, more than a scanned page needs. Scan it at "
                                    "300 dpi."
                                )
                                % {"w": image.width, "h": image.height},
                                code="file_too_large",
                            )
                        }
                    )
                image.load()  # every pixel decoded: a truncated or padded-out image fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        return None
    return kind if kind in ("JPEG", "PNG") else None


def _bytes(data: bytes):
    import io

    return io.BytesIO(data)


def _is_pdf(data: bytes) -> bool:
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        return False
    with tempfile.NamedTemporaryFile(suffix=".pdf") as copy:
        copy.write(data)
        copy.flush()
        try:
            done = subprocess.run([PDFINFO, copy.name], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return False
    return done.returncode == 0


def evidence_kind(upload) -> str:
    """'PDF', 'JPEG' or 'PNG' after reading the whole file; ValidationError (on 'file') for anything else."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    kind = "PDF" if data.startswith(b"%PDF-") and _is_pdf(data) else _is_image(data)
    if kind is None:
        raise _refusal()
    return kind


def evidence_file_name(kind: str) -> str:
    """A generated name with the extension of the verified type: never the client's name or extension."""
    return f"{uuid.uuid4().hex}{EXTENSIONS[kind]}"
