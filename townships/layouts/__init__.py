"""Township layouts from survey and GIS files: read, check (dry run) and import plots, all or nothing.

A file (GeoPackage, zipped Shapefile, GeoJSON, KML or DXF) is read with GDAL through Django's bindings, opened
with an explicit list of drivers, in whatever CRS it declares (or the one the user states when it declares
none), and transformed to EPSG:4326. Its features are copied into a temporary table, and every check runs there
as set-based SQL in PostGIS, measured in the township's UTM zone, so a 100,000-plot layout is checked in
seconds: validity (self-intersection), inside the township and the block, overlap with another feature or an
existing plot (with the overlap in m²), duplicate numbers, slivers below LANDREG_LAYOUT_MIN_PLOT_M2.

The dry run writes no plot; it keeps the file (by SHA-256), a LayoutImport with the report, and a GeoPackage of
the problems for QGIS. The commit re-reads the kept file and re-runs the checks inside one transaction, but for
those whose rules the database enforces on every plot written (inside the township and the block, no overlap),
then inserts new plots and updates those matched by number, each in one statement; the plot table's history
trigger records them once per statement, with the import's context. The database's own land rules judge every
row and are asked at once before the transaction ends; if anything refuses, the file gets every check again and
the report of the dry run, and nothing is written. A plot that holds an active allocation is moved only with
explicit confirmation.

The parts: limits (settings, LayoutError), messages (problems and repairs as sentences), read (the file through
GDAL), checks (the SQL), write (the plots), report (the report and its GeoPackage), store (the
kept files) and services (who may import, the dry run, the commit). Callers use this package:
`from townships import layouts`.
"""

from townships.layouts.limits import (
    LayoutError,
    close_gap_m,
    content_length_too_large,
    max_features,
    max_unzipped_bytes,
    max_upload_bytes,
    max_upload_mib,
    min_plot_m2,
    too_large_message,
)
from townships.layouts.messages import PROBLEMS, REASON_LABELS, REPAIRS, describe, problem_text, repair_text
from townships.layouts.read import (
    ACCEPT,
    COMMON_SRIDS,
    FORMATS,
    USE_VALUES_LIMIT,
    LayoutFile,
    Mapping,
    layout_field_values,
    layout_inspect,
    number_order,
    use_of,
    vector_file_open,
)
from townships.layouts.report import LayoutReport, layout_import_report, report_for_people
from townships.layouts.services import (
    IMPORT_ROLES,
    authorize_import,
    layout_check,
    layout_commit,
    layout_imports_visible_to,
    townships_for_import,
)
from townships.layouts.store import layout_file_store, layout_files_clean, report_path, stored_path

__all__ = [
    "vector_file_open",
    "ACCEPT",
    "COMMON_SRIDS",
    "FORMATS",
    "IMPORT_ROLES",
    "PROBLEMS",
    "REASON_LABELS",
    "REPAIRS",
    "USE_VALUES_LIMIT",
    "LayoutError",
    "LayoutFile",
    "LayoutReport",
    "Mapping",
    "authorize_import",
    "close_gap_m",
    "content_length_too_large",
    "describe",
    "layout_check",
    "layout_commit",
    "layout_file_store",
    "layout_field_values",
    "layout_files_clean",
    "layout_import_report",
    "layout_imports_visible_to",
    "layout_inspect",
    "max_features",
    "max_unzipped_bytes",
    "max_upload_bytes",
    "max_upload_mib",
    "min_plot_m2",
    "number_order",
    "problem_text",
    "repair_text",
    "report_for_people",
    "report_path",
    "stored_path",
    "too_large_message",
    "townships_for_import",
    "use_of",
]
