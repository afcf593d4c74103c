"""One way to write a raster as a cloud-optimised GeoTIFF, for the imagery under the map and the planning rasters."""

import rasterio
import rasterio.shutil
from django.utils.translation import gettext
from rasterio.vrt import WarpedVRT


class CogError(ValueError):
    """GDAL could not write the COG; the message says so in a sentence."""


def write_cog(src, path: str, *, source_crs, **options) -> None:
    """Write the open raster `src` to `path` as a COG (256-pixel tiles, overviews, BigTIFF when needed) with the
    creation `options` given (compression, resampling of the overviews). A file without a CRS of its own is written
    with `source_crs`, stated by the uploader, through an identity warp."""
    dataset = WarpedVRT(src, src_crs=source_crs) if src.crs is None else src
    try:
        rasterio.shutil.copy(
            dataset, path, driver="COG", BLOCKSIZE=256, OVERVIEWS="AUTO", BIGTIFF="IF_SAFER", **options
        )
    except Exception as error:  # GDAL reports any conversion failure as a generic error
        raise CogError(
            gettext("The file could not be converted to a cloud-optimised GeoTIFF: %(error)s") % {"error": error}
        ) from None
    finally:
        if dataset is not src:
            dataset.close()
