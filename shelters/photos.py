"""Site photos: checked (an image, with EXIF, within the size limit), hashed, their EXIF time and position read,
and resized for storage without their EXIF (the time and position we need are kept in columns)."""

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, UnidentifiedImageError
from pyproj import Geod

MAX_EDGE_PX = 1600  # the long edge kept in storage: enough to judge a wall or a roof, ~200 kB as JPEG
JPEG_QUALITY = 80
_GEOD = Geod(ellps="WGS84")


def max_photo_bytes() -> int:
    return settings.LANDREG_MAX_PHOTO_BYTES


@dataclass
class SitePhoto:
    name: str
    content: ContentFile  # the resized JPEG to store
    sha256: str  # of the file as uploaded
    original_bytes: int
    width: int
    height: int
    taken_at: datetime | None
    point: Point | None
    warnings: list = field(default_factory=list)


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"photos": [ValidationError(message, code=code)]})


def _rational(value) -> float:
    try:
        return float(value)
    except (TypeError, ZeroDivisionError, ValueError):
        numerator, denominator = value
        return numerator / denominator


def _gps_point(gps: dict) -> Point | None:
    try:
        lat = sum(_rational(v) / 60**i for i, v in enumerate(gps[2]))
        lon = sum(_rational(v) / 60**i for i, v in enumerate(gps[4]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if gps.get(1) in ("S", b"S"):
        lat = -lat
    if gps.get(3) in ("W", b"W"):
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return Point(lon, lat, srid=4326)


def _taken_at(exif) -> datetime | None:
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    text = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not text:
        return None
    try:
        naive = datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = sub.get(ExifTags.Base.OffsetTimeOriginal)
    if offset:
        try:
            return datetime.strptime(f"{naive:%Y-%m-%d %H:%M:%S} {offset.replace(':', '')}", "%Y-%m-%d %H:%M:%S %z")
        except ValueError:
            pass
    return timezone.make_aware(naive, timezone.get_default_timezone())  # the device clock, in local time


def photo_read(upload, *, name: str = "") -> SitePhoto:
    """Check and prepare one uploaded photo, or refuse it with a sentence saying what to do."""
    limit = max_photo_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refuse(
            _("The photo %(name)s is %(size).1f MB; the limit is %(limit).0f MB. Take it at a lower resolution.")
            % {"name": name or upload.name, "size": size / 1e6, "limit": limit / 1e6},
            "photo_too_large",
        )
    data = upload.read()
    name = name or getattr(upload, "name", "") or "photo.jpg"
    if len(data) > limit:
        raise _refuse(
            _("The photo %(name)s is %(size).1f MB; the limit is %(limit).0f MB. Take it at a lower resolution.")
            % {"name": name, "size": len(data) / 1e6, "limit": limit / 1e6},
            "photo_too_large",
        )
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _refuse(
            _("The file %(name)s is not a photo (JPEG, PNG or HEIC-converted JPEG). Take a photo with the camera.")
            % {"name": name},
            "photo_not_an_image",
        ) from None
    exif = image.getexif()
    taken_at = _taken_at(exif) if exif else None
    if not exif or taken_at is None:
        raise _refuse(
            _(
                "The photo %(name)s carries no EXIF data (the time it was taken). Take the photo with the "
                "phone's camera; screenshots, edited or messaging-app copies lose it."
            )
            % {"name": name},
            "photo_without_exif",
        )
    point = _gps_point(exif.get_ifd(ExifTags.IFD.GPSInfo))
    image = image.convert("RGB")
    image.thumbnail((MAX_EDGE_PX, MAX_EDGE_PX))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif= argument: stored without EXIF
    sha = hashlib.sha256(data).hexdigest()
    return SitePhoto(
        name=f"{sha[:16]}.jpg",
        content=ContentFile(out.getvalue()),
        sha256=sha,
        original_bytes=len(data),
        width=image.width,
        height=image.height,
        taken_at=taken_at,
        point=point,
    )


def photo_compare(photo: SitePhoto, *, on: date, point: Point | None, tolerance_m: float) -> list[str]:
    """How the photo's EXIF disagrees with the visit it documents (date, position); empty when it agrees."""
    warnings = []
    if photo.taken_at is not None:
        taken = timezone.localtime(photo.taken_at).date()
        if abs(taken - on) > timedelta(days=1):
            warnings.append(
                _("Photo taken on %(taken)s, but the visit is dated %(on)s.")
                % {"taken": taken.isoformat(), "on": on.isoformat()}
            )
    if photo.point is not None and point is not None:
        _az, _back, metres = _GEOD.inv(photo.point.x, photo.point.y, point.x, point.y)
        if metres > tolerance_m:
            warnings.append(_("Photo taken %(m).0f m from where the inspector recorded the visit.") % {"m": metres})
    elif photo.point is None:
        warnings.append(_("The photo carries no GPS position."))
    return warnings
