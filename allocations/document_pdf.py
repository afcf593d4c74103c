"""The PDF of an allocation letter or deed: wording per language, the plot map from PostGIS, the QR code.

Rendered by WeasyPrint (HarfBuzz shapes Dari and Pashto) from templates/documents/; nothing is fetched from
the internet: the map is inline SVG drawn from our own geometry, the QR code is inline SVG, fonts are local.
"""

import segno
import weasyprint
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape

from landreg.calendar import RTL_LANGUAGES, gregorian_date, local_digits, number_text, shamsi_date

# The wording of the documents, one column per language. The Pashto is to be reviewed by a native speaker.
WORDING = {
    "ministry": {
        "en": "Ministry of Refugees and Repatriation",
        "fa": "وزارت امور مهاجرین و عودت کنندگان",
        "ps": "د کډوالو او راستنېدونکو چارو وزارت",
    },
    "letter": {"en": "Allocation letter", "fa": "مکتوب توزیع نمره زمین", "ps": "د ځمکې د نمرې د وېش لیک"},
    "deed": {"en": "Deed", "fa": "سند ملکیت نمره زمین", "ps": "د ځمکې د نمرې د ملکیت سند"},
    "letter_text": {
        "en": "By decision of the provincial beneficiary selection committee, the plot described below is allocated "
        "to the household named here. The allocation is subject to the conditions of the scheme and may be revoked "
        "for non-occupancy, usurpation or fraud.",
        "fa": "بر اساس فیصله کمیته ولایتی انتخاب مستفیدین، نمره زمین مشخص شده در این مکتوب به خانواده ذیل توزیع "
        "گردید. این توزیع مشروط به شرایط برنامه است و در صورت عدم سکونت، غصب یا تقلب لغو می‌شود.",
        "ps": "د مستحقینو د ټاکلو د ولایتي کمېټې د پرېکړې پر بنسټ، په دې لیک کې ښودل شوې د ځمکې نمره لاندې "
        "کورنۍ ته ووېشل شوه. دا وېش د پروګرام په شرایطو پورې تړلی دی او د نه اوسېدو، غصب یا درغلۍ په صورت کې "
        "لغوه کېږي.",
    },
    "deed_text": {
        "en": "This deed records that the household named here holds the plot described below, as allocated by "
        "decision of the provincial beneficiary selection committee and recorded by the ministry.",
        "fa": "این سند ثبت می‌کند که نمره زمین مشخص شده در ذیل، مطابق به فیصله کمیته ولایتی انتخاب مستفیدین و "
        "ثبت وزارت، به ملکیت خانواده ذیل می‌باشد.",
        "ps": "دا سند ثبتوي چې لاندې ښودل شوې د ځمکې نمره، د مستحقینو د ټاکلو د ولایتي کمېټې د پرېکړې او د "
        "وزارت د ثبت سره سم، د لاندې کورنۍ ملکیت دی.",
    },
    "number": {"en": "Document number", "fa": "شماره سند", "ps": "د سند شمېره"},
    "issued": {"en": "Issued", "fa": "تاریخ صدور", "ps": "د صادرېدو نېټه"},
    "shamsi_suffix": {"en": "", "fa": "هـ ش", "ps": "لمریز"},
    "gregorian_suffix": {"en": "", "fa": "م", "ps": "میلادي"},
    "household": {"en": "Household", "fa": "خانواده", "ps": "کورنۍ"},
    "head": {"en": "Head of household", "fa": "سرپرست خانواده", "ps": "د کورنۍ مشر"},
    "father": {"en": "Father's name", "fa": "نام پدر", "ps": "د پلار نوم"},
    "household_code": {"en": "Household code", "fa": "کد خانواده", "ps": "د کورنۍ کوډ"},
    "plot": {"en": "Plot", "fa": "نمره زمین", "ps": "د ځمکې نمره"},
    "province": {"en": "Province", "fa": "ولایت", "ps": "ولایت"},
    "township": {"en": "Township", "fa": "شهرک", "ps": "ښارګوټی"},
    "block": {"en": "Block", "fa": "بلاک", "ps": "بلاک"},
    "plot_number": {"en": "Plot number", "fa": "شماره نمره", "ps": "د نمرې شمېره"},
    "area": {"en": "Area", "fa": "مساحت", "ps": "مساحت"},
    "m2": {"en": "m²", "fa": "متر مربع", "ps": "مربع متره"},
    "biswa": {"en": "biswa", "fa": "بسوه", "ps": "بسوه"},
    "decision": {"en": "Committee decision", "fa": "شماره فیصله کمیته", "ps": "د کمېټې د پرېکړې شمېره"},
    "map": {"en": "Location of the plot", "fa": "نقشه موقعیت نمره", "ps": "د نمرې د موقعیت نقشه"},
    "legend_plot": {"en": "This plot", "fa": "نمره مورد نظر", "ps": "همدا نمره"},
    "legend_neighbours": {"en": "Neighbouring plots", "fa": "نمره‌های همجوار", "ps": "ګاونډۍ نمرې"},
    "legend_blocks": {"en": "Block outline (streets between)", "fa": "حدود بلاک (سرک‌ها در میان)", "ps": "د بلاک پوله"},
    "verify": {
        "en": "To check that this document is valid, scan the QR code or open:",
        "fa": "برای تصدیق اعتبار این سند، کد QR را اسکن کنید یا این آدرس را باز کنید:",
        "ps": "د دې سند د اعتبار د تایید لپاره QR کوډ سکن کړئ یا دا پته پرانیزئ:",
    },
    "officer": {"en": "Land officer", "fa": "مامور اراضی", "ps": "د ځمکو مامور"},
    "director": {
        "en": "Provincial director of refugees and repatriation",
        "fa": "رئیس امور مهاجرین و عودت کنندگان ولایت",
        "ps": "د کډوالو او راستنېدونکو چارو ولایتي رئیس",
    },
    "recipient": {
        "en": "Head of household (signature or thumbprint)",
        "fa": "سرپرست خانواده (امضا یا شصت)",
        "ps": "د کورنۍ مشر (لاسلیک یا د ګوتې نښه)",
    },
    "issued_by": {"en": "Issued by", "fa": "صادر کننده", "ps": "صادروونکی"},
}

MAP_WIDTH_MM, MAP_HEIGHT_MM = 118, 92


def wording(language: str) -> dict[str, str]:
    return {key: texts[language] for key, texts in WORDING.items()}


def localised_name(obj, language: str) -> str:
    """The Dari or Pashto name of a township or province when it has one, else its English name: the models'
    local_name, read in the document's language."""
    with translation.override(language):
        return obj.local_name


def document_pdf(*, allocation, kind: str, language: str, number: str, issued_at, verify_url: str, by) -> bytes:
    """Render one letter or deed. `allocation` comes with plot, township, block, province and household."""
    plot, household = allocation.plot, allocation.household
    township = plot.township
    head = household.members.filter(relationship="head").first()
    day = timezone.localdate(issued_at)
    words = wording(language)
    context = {
        "language": language,
        "direction": "rtl" if language in RTL_LANGUAGES else "ltr",
        "start": "right" if language in RTL_LANGUAGES else "left",  # WeasyPrint has no logical margins
        "end": "left" if language in RTL_LANGUAGES else "right",
        "w": words,
        "title": words[kind],
        "text": words[f"{kind}_text"],
        "number": number,
        "shamsi": shamsi_date(day, language),
        "gregorian": gregorian_date(day, language),
        "head": head.name if head else "—",
        "father": (head.father_name if head else "") or "—",
        "household_code": household.code,
        "province": localised_name(township.province, language),
        "township": localised_name(township, language),
        "block": plot.block.code if plot.block_id else "—",
        "plot_number": local_digits(plot.number, language),
        "area_m2": number_text(plot.area_m2 or 0, language),
        "area_biswa": number_text((plot.area_m2 or 0) / 100, language),
        "decision": allocation.decision_reference or "—",
        "issued_by": (by.get_full_name() or by.username) if by else "",
        "map_svg": plot_map_svg(plot, language=language),
        "qr_svg": qr_svg(verify_url),
        "verify_url": verify_url,
    }
    html = render_to_string("documents/allocation_document.html", context)
    return weasyprint.HTML(string=html).write_pdf()


def qr_svg(url: str) -> str:
    """The QR code of the verification address, as inline SVG (sized by the template's CSS)."""
    return segno.make(url, error="m").svg_inline(scale=1, omitsize=True, border=4)


def _nice_length(limit_m: float) -> int:
    """The longest round length (5, 10, 20, 25, 50 … m) not longer than limit_m, for the scale bar."""
    best = 1
    for magnitude in (1, 10, 100, 1000):
        for step in (1, 2, 2.5, 5):
            if step * magnitude <= limit_m:
                best = int(step * magnitude)
    return best


_PLOT_BOX_SQL = """
SELECT s.srid, ST_XMin(s.g), ST_YMin(s.g), ST_XMax(s.g), ST_YMax(s.g)
FROM (
  SELECT COALESCE(t.utm_srid, CASE WHEN ST_X(ST_Centroid(t.geom)) < 66 THEN 32641
                                   WHEN ST_X(ST_Centroid(t.geom)) < 72 THEN 32642 ELSE 32643 END) AS srid,
         p.geom
  FROM townships_plot p JOIN townships_township t ON t.id = p.township_id
  WHERE p.id = %(plot)s
) q, LATERAL (SELECT q.srid, ST_Transform(q.geom, q.srid) AS g) s
"""

# Everything around the plot inside the map window, in the township's UTM zone, moved so the window's lower
# left corner is (0, 0) and clipped to the window. ST_AsSVG writes y downwards, as SVG expects.
_MAP_SQL = """
WITH win AS (SELECT ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, %(srid)s) AS w),
     win_wgs AS (SELECT ST_Expand(ST_Transform(w, 4326), 0.0005) AS w FROM win),
     features AS (
  SELECT 1 AS layer, b.code AS label, ST_Transform(b.geom, %(srid)s) AS g
  FROM townships_block b, win_wgs WHERE b.township_id = %(township)s AND b.geom && win_wgs.w
  UNION ALL
  SELECT CASE WHEN p.id = %(plot)s THEN 3 ELSE 2 END, p.number, ST_Transform(p.geom, %(srid)s)
  FROM townships_plot p, win_wgs WHERE p.township_id = %(township)s AND p.geom && win_wgs.w
  UNION ALL
  SELECT 0, '', ST_Boundary(ST_Transform(t.geom, %(srid)s))
  FROM townships_township t WHERE t.id = %(township)s
), clipped AS (
  SELECT layer, label, g, ST_Intersection(g, win.w) AS c FROM features, win
)
SELECT layer, label,
       ST_AsSVG(ST_Translate(c, -%(x0)s, -%(y0)s), 0, 2),
       CASE WHEN layer IN (2, 3) AND ST_Area(c) >= 0.5 * ST_Area(g)
            THEN ST_X(ST_PointOnSurface(c)) - %(x0)s END,
       CASE WHEN layer IN (2, 3) AND ST_Area(c) >= 0.5 * ST_Area(g)
            THEN %(y0)s - ST_Y(ST_PointOnSurface(c)) END
FROM clipped
WHERE NOT ST_IsEmpty(c)
ORDER BY layer, label
"""


def plot_map_svg(plot, *, language: str = "en", width_mm: float = MAP_WIDTH_MM, height_mm: float = MAP_HEIGHT_MM):
    """An SVG map of the plot with its neighbours and the block outlines around it (the gaps are streets),
    a north arrow and a scale bar, drawn in the township's UTM zone so that metres are true."""
    with connection.cursor() as cursor:
        cursor.execute(_PLOT_BOX_SQL, {"plot": plot.pk})
        srid, xmin, ymin, xmax, ymax = cursor.fetchone()
        # A window around the plot wide enough to show a ring of neighbours and the streets beyond them.
        size = max(xmax - xmin, ymax - ymin)
        margin = max(1.4 * size, 40.0)
        cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
        half_w = max((xmax - xmin) / 2 + margin, ((ymax - ymin) / 2 + margin) * width_mm / height_mm)
        half_h = half_w * height_mm / width_mm
        x0, y0, x1, y1 = cx - half_w, cy - half_h, cx + half_w, cy + half_h
        cursor.execute(
            _MAP_SQL,
            {"plot": plot.pk, "township": plot.township_id, "srid": srid, "x0": x0, "y0": y0, "x1": x1, "y1": y1},
        )
        rows = cursor.fetchall()
    width_m, height_m = x1 - x0, y1 - y0
    mm = width_m / width_mm  # metres per millimetre on paper
    layers = {0: [], 1: [], 2: [], 3: []}
    labels = []
    for layer, label, path, lx, ly in rows:
        layers[layer].append(path)
        if lx is not None:
            labels.append((layer, local_digits(label, language), lx, ly))
    bar = _nice_length(width_m / 4)
    return _render_map(
        layers=layers,
        labels=labels,
        width_m=width_m,
        height_m=height_m,
        mm=mm,
        bar_m=bar,
        bar_label=f"{local_digits(str(bar), language)} m",  # SVG text is not shaped: no Dari words in the map
        zero=local_digits("0", language),
        width_mm=width_mm,
        height_mm=height_mm,
    )


def _render_map(*, layers, labels, width_m, height_m, mm, bar_m, bar_label, zero, width_mm, height_mm) -> str:
    def f(value):
        return f"{value:.2f}"

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot-map" width="{width_mm}mm" height="{height_mm}mm" '
        f'viewBox="0 {f(-height_m)} {f(width_m)} {f(height_m)}" font-family="Noto Sans, DejaVu Sans">',
        f'<rect x="0" y="{f(-height_m)}" width="{f(width_m)}" height="{f(height_m)}" fill="#ffffff"/>',
    ]
    for path in layers[0]:  # the township boundary
        out.append(
            f'<path d="{path}" fill="none" stroke="#7a7a7a" stroke-width="{f(0.35 * mm)}" '
            f'stroke-dasharray="{f(2 * mm)} {f(1.2 * mm)}"/>'
        )
    for path in layers[1]:  # blocks: the white between them is the street
        out.append(
            f'<path d="{path}" fill="#efe9da" fill-rule="evenodd" stroke="#3d3d3d" stroke-width="{f(0.5 * mm)}"/>'
        )
    for path in layers[2]:  # neighbouring plots
        out.append(f'<path d="{path}" fill="none" stroke="#8a8172" stroke-width="{f(0.2 * mm)}"/>')
    for path in layers[3]:  # this plot
        out.append(
            f'<path d="{path}" fill="#e8a33d" fill-rule="evenodd" stroke="#8b1a1a" stroke-width="{f(0.7 * mm)}"/>'
        )
    for layer, label, x, y in labels:
        size, weight = (3.2, "bold") if layer == 3 else (2.2, "normal")
        out.append(
            f'<text x="{f(x)}" y="{f(y + size * mm / 3)}" font-size="{f(size * mm)}" font-weight="{weight}" '
            f'text-anchor="middle" fill="#222">{escape(label)}</text>'
        )
    # Scale bar, lower left: two halves, black and white, with 0 and the length in metres.
    bx, by, bh = 5 * mm, -5 * mm, 1.4 * mm
    half = bar_m / 2
    out += [
        f'<rect x="{f(bx - 1.5 * mm)}" y="{f(by - 6 * mm)}" width="{f(bar_m + 3 * mm + 12 * mm)}" '
        f'height="{f(8.5 * mm)}" fill="#ffffff" fill-opacity="0.85"/>',
        f'<rect x="{f(bx)}" y="{f(by - bh)}" width="{f(half)}" height="{f(bh)}" fill="#000"/>',
        f'<rect x="{f(bx + half)}" y="{f(by - bh)}" width="{f(half)}" height="{f(bh)}" fill="#fff" '
        f'stroke="#000" stroke-width="{f(0.2 * mm)}"/>',
        f'<rect x="{f(bx)}" y="{f(by - bh)}" width="{f(bar_m)}" height="{f(bh)}" fill="none" '
        f'stroke="#000" stroke-width="{f(0.2 * mm)}"/>',
        f'<text x="{f(bx)}" y="{f(by - bh - 1.2 * mm)}" font-size="{f(2.4 * mm)}" text-anchor="middle">{zero}</text>',
        f'<text x="{f(bx + bar_m)}" y="{f(by - bh - 1.2 * mm)}" font-size="{f(2.4 * mm)}" '
        f'text-anchor="middle">{escape(bar_label)}</text>',
    ]
    # North arrow, upper right: grid north of the UTM zone (within 2° of true north in Afghanistan).
    nx, ny = width_m - 8 * mm, -height_m + 5 * mm
    arrow = [(nx, ny + 3.5 * mm), (nx - 2.6 * mm, ny + 11 * mm), (nx, ny + 9 * mm), (nx + 2.6 * mm, ny + 11 * mm)]
    out += [
        f'<circle cx="{f(nx)}" cy="{f(ny + 6.5 * mm)}" r="{f(6.5 * mm)}" fill="#ffffff" fill-opacity="0.85"/>',
        f'<polygon points="{" ".join(f"{f(x)},{f(y)}" for x, y in arrow)}" fill="#000"/>',
        f'<text x="{f(nx)}" y="{f(ny + 3 * mm)}" font-size="{f(3.2 * mm)}" font-weight="bold" '
        f'text-anchor="middle">N</text>',
        f'<rect x="0" y="{f(-height_m)}" width="{f(width_m)}" height="{f(height_m)}" fill="none" '
        f'stroke="#000" stroke-width="{f(0.4 * mm)}"/>',
        "</svg>",
    ]
    return "\n".join(out)
