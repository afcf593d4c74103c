"""The limits of a layout import, read from the settings (their defaults live in landreg/settings.py), and the
error a file as a whole raises when it cannot be used."""

from django.conf import settings
from django.utils.translation import gettext as _

from landreg.uploads import MIB, max_upload_mib

ZIP_MAX_MEMBERS = 50
ZIP_MAX_RATIO = 100  # a shapefile compresses about 3:1; a zip bomb by thousands


def max_upload_bytes() -> int:
    return settings.LANDREG_MAX_UPLOAD_BYTES


def max_unzipped_bytes() -> int:
    return settings.LANDREG_LAYOUT_MAX_UNZIPPED_BYTES


def max_features() -> int:
    return settings.LANDREG_LAYOUT_MAX_FEATURES


def min_plot_m2() -> float:
    """Plots smaller than this (m²) are slivers left by digitising, not plots."""
    return float(settings.LANDREG_LAYOUT_MIN_PLOT_M2)


def close_gap_m() -> float:
    """A polyline whose ends are at most this far apart (m) is closed as a repair; farther, it is rejected."""
    return float(settings.LANDREG_LAYOUT_CLOSE_GAP_M)


class LayoutError(Exception):
    """The file as a whole cannot be used; the message says what to fix."""


def _mib(n: int) -> int:
    """Whole MiB rounded up, at least 1: a file a byte over a 200 MiB limit is 201 MiB, never "200 MiB, over the
    200 MiB limit"."""
    return max(1, -(-n // MIB))


def too_large_message(size: int) -> str:
    return _("The file is %(size)d MiB, over the %(mb)d MiB limit. Split the layout into several files.") % {
        "size": _mib(size),
        "mb": max_upload_mib(),
    }


def content_length_too_large(request) -> bool:
    """Whether the request's declared Content-Length is over the upload limit, so that a page or the API can refuse
    it before reading the body. The Django upload handlers that stop a body growing past the limit while it streams
    belong to the two faces (api.rest.layout_imports and webmap.layouts.views)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > max_upload_bytes()
    except ValueError:
        return False
