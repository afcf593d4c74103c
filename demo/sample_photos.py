"""Site photos as a phone camera makes them: JPEG with EXIF time and GPS position (Pillow).
For the tests, the demo and the benchmarks; never for real inspections."""

import io
import random
from datetime import datetime, time

from django.utils import timezone
from PIL import ExifTags, Image


def _dms(value: float):
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (float(degrees), float(minutes), seconds)


def site_jpeg(
    *,
    lat: float | None = None,
    lon: float | None = None,
    taken: datetime | None = None,
    seed: int | None = None,
    size=(1024, 768),
    exif: bool = True,
) -> bytes:
    """A unique JPEG (random blocks, so every seed hashes differently) with EXIF DateTimeOriginal and GPS."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    pixels = image.load()
    for _ in range(400):
        x, y = rng.randrange(size[0] - 8), rng.randrange(size[1] - 8)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        for dx in range(8):
            for dy in range(8):
                pixels[x + dx, y + dy] = colour
    out = io.BytesIO()
    if not exif:
        image.save(out, "JPEG", quality=85)
        return out.getvalue()
    tags = Image.Exif()
    # Today at 08:00 in Kabul unless told: the same seed must give the same bytes (and hash) whenever it runs.
    stamp = (taken or datetime.combine(timezone.localdate(), time(8, 0))).strftime("%Y:%m:%d %H:%M:%S")
    tags[ExifTags.Base.Make] = "landreg sample"
    tags[ExifTags.Base.DateTime] = stamp
    tags[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: stamp}
    if lat is not None and lon is not None:
        tags[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
            ExifTags.GPS.GPSLatitude: _dms(lat),
            ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
            ExifTags.GPS.GPSLongitude: _dms(lon),
        }
    image.save(out, "JPEG", quality=85, exif=tags)
    return out.getvalue()
