"""The site viability report as a page fragment and as a PDF (WeasyPrint, like letters and deeds), in the reader's
language, with a map drawn from our own geometry as inline SVG: nothing is fetched from the internet."""

from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape

from landreg.calendar import RTL_LANGUAGES, shamsi_date

MAP_WIDTH_MM, MAP_HEIGHT_MM = 170, 105
FIT_COLOURS = {"fit": "#4c9a52", "conditions": "#e0a526", "not_fit": "#c0392b", "unknown": "#b9b9b9"}

# The site, the plots inside it with their fit, and the access layers around it, in the site's UTM zone, moved so
# the window's lower left corner is (0, 0). ST_AsSVG writes y downwards, as SVG expects.
_MAP_SQL = """
WITH site AS (SELECT ST_Transform(%(site)s::geometry, %(srid)s) AS g),
win AS (SELECT ST_Expand(g, greatest(200, 0.35 * greatest(ST_XMax(g) - ST_XMin(g), ST_YMax(g) - ST_YMin(g)))) AS w
          FROM site),
win_wgs AS (SELECT ST_Transform(w, 4326) AS w FROM win),
features AS (
  SELECT 1 AS layer, coalesce(s.fit, 'unknown') AS kind, ST_Transform(p.geom, %(srid)s) AS g
    FROM townships_plot p LEFT JOIN planning_plotsite s ON s.plot_id = p.id, win_wgs
   WHERE p.township_id = %(township)s AND p.geom && win_wgs.w
  UNION ALL SELECT 2, r.road_class, ST_Transform(r.geom, %(srid)s) FROM planning_road r, win_wgs
   WHERE r.geom && win_wgs.w
  UNION ALL SELECT 0, 'site', ST_Boundary(g) FROM site
  UNION ALL SELECT 3, 'water', ST_Transform(w.geom, %(srid)s) FROM planning_waterpoint w, win_wgs
   WHERE w.geom && win_wgs.w AND w.functional
  UNION ALL SELECT 4, v.kind, ST_Transform(v.geom, %(srid)s) FROM planning_servicepoint v, win_wgs
   WHERE v.geom && win_wgs.w AND v.functional
)
SELECT f.layer, f.kind, ST_AsSVG(ST_Translate(ST_Intersection(f.g, win.w), -ST_XMin(win.w), -ST_YMin(win.w)), 0, 1),
       ST_XMax(win.w) - ST_XMin(win.w), ST_YMax(win.w) - ST_YMin(win.w)
  FROM features f, win
 WHERE ST_Intersects(f.g, win.w)
 ORDER BY f.layer
"""


def site_map_svg(*, geom, srid: int, township_id: int | None) -> str:
    with connection.cursor() as cursor:
        cursor.execute(_MAP_SQL, {"site": geom.ewkt, "srid": srid, "township": township_id or 0})
        rows = cursor.fetchall()
    if not rows:
        return ""
    width, height = rows[0][3], rows[0][4]
    mm = width / MAP_WIDTH_MM
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="site-map" direction="ltr" width="{MAP_WIDTH_MM}mm" '
        f'height="{MAP_WIDTH_MM * height / width:.1f}mm" viewBox="0 {-height:.1f} {width:.1f} {height:.1f}">',
        f'<rect x="0" y="{-height:.1f}" width="{width:.1f}" height="{height:.1f}" fill="#fbfaf6"/>',
    ]
    for layer, kind, path, _w, _h in rows:
        if layer == 0:
            out.append(
                f'<path d="{path}" fill="none" stroke="#1d3b53" stroke-width="{0.8 * mm:.1f}" '
                f'stroke-dasharray="{2 * mm:.1f} {1 * mm:.1f}"/>'
            )
        elif layer == 1:
            out.append(
                f'<path d="{path}" fill="{FIT_COLOURS.get(kind, "#b9b9b9")}" stroke="#555" '
                f'stroke-width="{0.1 * mm:.2f}"/>'
            )
        elif layer == 2:
            stroke = {"paved": "#333", "gravel": "#8a6d3b", "track": "#b5a58a"}.get(kind, "#777")
            out.append(f'<path d="{path}" fill="none" stroke="{stroke}" stroke-width="{0.7 * mm:.1f}"/>')
        else:
            x, y = _point(path)
            if layer == 3:
                out.append(
                    f'<circle cx="{x}" cy="{y}" r="{1.3 * mm:.1f}" fill="#1f78b4" stroke="#fff" '
                    f'stroke-width="{0.3 * mm:.1f}"/>'
                )
            else:
                size = 2.4 * mm
                out.append(
                    f'<rect x="{float(x) - size / 2:.1f}" y="{float(y) - size / 2:.1f}" width="{size:.1f}" '
                    f'height="{size:.1f}" fill="#6a3d9a" stroke="#fff" stroke-width="{0.3 * mm:.1f}"/>'
                )
                out.append(
                    f'<text x="{float(x) + size:.1f}" y="{float(y) + size / 3:.1f}" '
                    f'font-size="{2.4 * mm:.1f}" fill="#333">{escape(kind[:1].upper())}</text>'
                )
    bar = _nice_length(width / 4)
    y0 = -4 * mm
    out.append(
        f'<rect x="{4 * mm:.1f}" y="{y0 - 1.2 * mm:.1f}" width="{bar:.1f}" height="{1.2 * mm:.1f}" fill="#222"/>'
    )
    out.append(f'<text x="{4 * mm:.1f}" y="{y0 - 2 * mm:.1f}" font-size="{2.8 * mm:.1f}" fill="#222">{bar} m</text>')
    out.append(
        f'<text x="{width - 6 * mm:.1f}" y="{-height + 7 * mm:.1f}" font-size="{4 * mm:.1f}" '
        f'font-weight="bold" fill="#222" text-anchor="middle">N</text>'
    )
    out.append("</svg>")
    return "".join(out)


def _point(path: str) -> tuple[str, str]:
    # ST_AsSVG of a point: cx="x" cy="y"
    parts = dict(item.split("=") for item in path.replace('"', "").split())
    return parts["cx"], parts["cy"]


def _nice_length(limit_m: float) -> int:
    best = 1
    for magnitude in (1, 10, 100, 1000, 10000):
        for step in (1, 2, 5):
            if step * magnitude <= limit_m:
                best = step * magnitude
    return best


def access_rows(report: dict) -> list[tuple]:
    from django.utils.translation import gettext  # noqa: PLC0415

    labels = (
        ("water", gettext("Water point")),
        ("school", gettext("School")),
        ("clinic", gettext("Clinic")),
        ("market", gettext("Market")),
        ("paved_road", gettext("Paved road")),
    )
    return [(label, report["access"][key]) for key, label in labels]


def report_context(report: dict, *, geom, township_id: int | None, language: str) -> dict:
    return {
        "access_rows": access_rows(report),
        "report": report,
        "language": language,
        "direction": "rtl" if language in RTL_LANGUAGES else "ltr",
        "map_svg": site_map_svg(geom=geom, srid=report["site"]["utm_srid"], township_id=township_id),
        "fit_colours": FIT_COLOURS,
        "today": shamsi_date(timezone.localdate(), language),
    }


def report_pdf(report: dict, *, geom, township_id: int | None, language: str) -> bytes:
    import weasyprint  # noqa: PLC0415 - heavy; only the PDF needs it

    with translation.override(language):
        html = render_to_string(
            "planning/viability_pdf.html", report_context(report, geom=geom, township_id=township_id, language=language)
        )
    return weasyprint.HTML(string=html).write_pdf()
