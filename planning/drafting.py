"""A first township layout drafted from a land parcel's outline: blocks of plots on a rotated grid, with roads,
a setback from the boundary and whole blocks reserved for facilities (docs/planning.md, "A first layout").

Everything here is measured in metres, in the site's UTM zone, with shapely (vectorised: one containment test
for every candidate plot of a grid at once). The draft is not stored: `planning/draft_services.py` writes it as a
GeoPackage in the form the township layout import reads and runs the import's dry run on it.

The rules the draft follows:
- The grid is turned to the parcel's longest side (or the angle given, in degrees anticlockwise from east).
- A block is two rows of plots back to back, `plots_per_row` plots long; roads of `road_width_m` run between
  blocks on all four sides.
- Only whole plots are kept: a candidate plot is kept when it lies entirely inside the parcel less the setback
  (no clipped plot, so no sliver, and every plot has the size asked for). Sixteen placements of the grid (a quarter
  of a block and road step each way) are tried, and the one that keeps the most plots is drafted (the first found,
  when two keep as many).
- Plots on unfit ground (`exclude`, more than 1 m² of the plot on it) are left out, or kept and marked.
- Whole blocks are reserved for facilities, nearest the centre of the site first (blocks with no unfit plot
  before others), as long as each brings the reserved area closer to the share asked of the parcel; a reserved
  block becomes one plot for public use.
- Blocks are coded A, B, … Z, AA, AB … (codes the township already uses are skipped), from the top row of the
  turned grid down and left to right; plots are numbered on from the township's highest number, block by block.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.utils.translation import gettext as _
from shapely import affinity
from shapely.geometry.base import BaseGeometry

BISWA_M2 = 100  # 1 biswa = 1/20 jerib = 100 m² (docs/domain.md, units)
UNFIT_MIN_M2 = 1.0  # a plot with more than this on unfit ground is unfit
MAX_SITE_HA = 5000  # a larger outline is a region, not a site: draft it part by part
MAX_CANDIDATES = 400_000  # candidate plots of one grid placement: bounds the work a request can ask for
PHASES = 4  # grid placements tried along each axis (a quarter step apart)


class DraftError(ValueError):
    """Parameters or an outline that cannot be drafted: `errors` maps a parameter (or "outline") to a sentence."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))

    def __str__(self) -> str:  # the sentences as they are now (a caller may add one)
        return " ".join(str(e) for e in self.errors.values())


@dataclass(frozen=True)
class DraftParameters:
    road_width_m: float = 8.0
    plot_width_m: float = 10.0  # frontage, along the road
    plot_depth_m: float = 20.0
    plot_biswa: float | None = None  # when given, the plot is this area with a depth twice its frontage
    plots_per_row: int = 10  # a block is two rows of this many plots, back to back
    angle_deg: float | None = None  # None: the parcel's longest side
    setback_m: float = 5.0
    reserve_share: float = 0.10  # share of the parcel reserved for facilities, in whole blocks
    mark_unfit: bool = False  # False: plots on unfit ground are left out; True: kept and marked

    @property
    def plot_size(self) -> tuple[float, float]:
        """(frontage, depth) in metres."""
        if self.plot_biswa:
            width = math.sqrt(self.plot_biswa * BISWA_M2 / 2)
            return width, 2 * width
        return self.plot_width_m, self.plot_depth_m

    def as_dict(self) -> dict:
        width, depth = self.plot_size
        return {
            "road_width_m": self.road_width_m,
            "plot_width_m": round(width, 3),
            "plot_depth_m": round(depth, 3),
            "plot_biswa": self.plot_biswa,
            "plots_per_row": self.plots_per_row,
            "angle_deg": self.angle_deg,
            "setback_m": self.setback_m,
            "reserve_share": self.reserve_share,
            "mark_unfit": self.mark_unfit,
        }


# name -> (low, high, sentence when outside); the sentences say what to fix.
def _limits():
    return {
        "road_width_m": (3, 40, _("Give a road width between 3 and 40 metres.")),
        "plot_width_m": (4, 100, _("Give a plot frontage between 4 and 100 metres.")),
        "plot_depth_m": (4, 100, _("Give a plot depth between 4 and 100 metres.")),
        "plot_biswa": (0.5, 100, _("Give a plot area between 0.5 and 100 biswa (50 to 10,000 m²).")),
        "plots_per_row": (1, 50, _("Give between 1 and 50 plots in a row of a block.")),
        "angle_deg": (-360, 360, _("Give the angle in degrees, between -360 and 360, or leave it empty.")),
        "setback_m": (0, 200, _("Give a setback from the boundary between 0 and 200 metres; it cannot be negative.")),
        "reserve_share": (0, 0.5, _("Give the share reserved for facilities between 0 and 50 %.")),
    }


def _number(raw, name: str, errors: dict, *, integer: bool = False, optional: bool = False, scale: float = 1):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        errors[name] = _("Give a number.")
        return None
    try:
        # Dari and Pashto digits read as digits; the Persian decimal sign and a decimal comma as the point
        value = float(str(raw).strip().replace("٫", ".").replace(",", ".")) * scale
    except (TypeError, ValueError):
        errors[name] = _("“%(value)s” is not a number.") % {"value": str(raw)[:40]}
        return None
    if not math.isfinite(value) or (integer and value != int(value)):
        errors[name] = _("Give a whole number.") if integer else _("Give a number.")
        return None
    low, high, sentence = _limits()[name]
    if not low <= value <= high:
        errors[name] = sentence
        return None
    return int(value) if integer else value


def draft_parameters(data, *, strict: bool = False) -> DraftParameters:
    """The parameters from a form or a JSON body (strings or numbers; empty means the default), checked.

    reserve_percent (0-50) may be given instead of reserve_share (0-0.5); orientation "longest" (default) or
    "angle" with angle_deg. strict (a JSON body): names not understood are refused too. Raises DraftError with a
    sentence for each parameter to fix."""
    errors: dict[str, str] = {}
    known = {
        "road_width_m",
        "plot_width_m",
        "plot_depth_m",
        "plot_biswa",
        "plots_per_row",
        "angle_deg",
        "setback_m",
        "reserve_share",
        "reserve_percent",
        "orientation",
        "mark_unfit",
    }
    values = {}
    for name in ("road_width_m", "plot_width_m", "plot_depth_m", "plot_biswa", "angle_deg", "setback_m"):
        value = _number(data.get(name), name, errors)
        if value is not None:
            values[name] = value
    per_row = _number(data.get("plots_per_row"), "plots_per_row", errors, integer=True)
    if per_row is not None:
        values["plots_per_row"] = per_row
    if data.get("reserve_percent") not in (None, ""):
        share = _number(data.get("reserve_percent"), "reserve_share", errors, scale=0.01)
    else:
        share = _number(data.get("reserve_share"), "reserve_share", errors)
    if share is not None:
        values["reserve_share"] = share
    orientation = str(data.get("orientation") or "longest").strip()
    if orientation not in ("longest", "angle"):
        errors["orientation"] = _("Choose the orientation: the parcel's longest side, or an angle.")
    elif orientation == "angle" and "angle_deg" not in values and "angle_deg" not in errors:
        errors["angle_deg"] = _("Give the angle of the grid in degrees, or orient it to the longest side.")
    elif orientation == "longest":
        values.pop("angle_deg", None)
    mark = data.get("mark_unfit")
    values["mark_unfit"] = (
        str(mark).strip().lower() in ("1", "true", "yes", "on", "mark") if mark is not None else False
    )
    unknown = sorted(str(k) for k in data.keys() if k not in known and k not in ("township", "exclude"))
    if strict and unknown:
        errors["parameters"] = _("Unknown parameters: %(names)s.") % {"names": ", ".join(unknown)[:200]}
    if errors:
        raise DraftError(errors)
    params = DraftParameters(**values)
    width, depth = params.plot_size
    if params.road_width_m > min(width * params.plots_per_row, 2 * depth):
        raise DraftError(
            {
                "road_width_m": _(
                    "A %(road)s m road is wider than a block (%(w)s × %(d)s m): narrow the road or make the blocks "
                    "larger."
                )
                % {"road": _m(params.road_width_m), "w": _m(width * params.plots_per_row), "d": _m(2 * depth)}
            }
        )
    return params


def _m(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def block_code(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, 27 -> AB …"""
    code = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        code = chr(ord("A") + rest) + code
    return code


@dataclass
class DraftBlock:
    code: str
    geom: BaseGeometry  # UTM
    reserve: bool
    plots: int


@dataclass
class DraftPlot:
    number: str
    block: str
    use: str  # residential, or public for a reserved block
    geom: BaseGeometry  # UTM
    unfit: bool = False


@dataclass
class Draft:
    srid: int
    params: DraftParameters
    outline: BaseGeometry
    buildable: BaseGeometry
    angle_deg: float
    blocks: list[DraftBlock] = field(default_factory=list)
    plots: list[DraftPlot] = field(default_factory=list)
    roads: BaseGeometry | None = None
    unfit_left_out: int = 0
    whole_plots: int = 0  # whole plots the chosen grid placement fits, before unfit ground and the reserve
    unfit_ground: BaseGeometry | None = None  # the unfit ground inside the buildable area (UTM)

    def unfit_empty(self) -> BaseGeometry:
        """The unfit ground the draft leaves empty: inside the buildable area, under no plot, block or road."""
        used = [p.geom for p in self.plots] + ([self.roads] if self.roads is not None else [])
        return self.unfit_ground.difference(shapely.union_all(used)) if used else self.unfit_ground

    def figures(self) -> dict:
        """Areas (m²) and shares of the outline: plots, reserve, roads, setback, left over; compared with what was
        asked."""
        total = self.outline.area
        residential = [p for p in self.plots if p.use != "public"]
        plots_m2 = sum(p.geom.area for p in residential)
        reserve_m2 = sum(p.geom.area for p in self.plots if p.use == "public")
        roads_m2 = self.roads.area if self.roads is not None else 0.0
        setback_m2 = total - self.buildable.area
        unfit_m2 = self.unfit_empty().area if self.unfit_ground is not None else 0.0
        left_m2 = max(total - plots_m2 - reserve_m2 - roads_m2 - setback_m2 - unfit_m2, 0.0)
        width, depth = self.params.plot_size

        def share(x):
            return round(x / total, 4) if total else 0.0

        return {
            "outline_m2": round(total, 1),
            "plots": len(residential),
            "blocks": len(self.blocks),
            "reserve_blocks": sum(1 for b in self.blocks if b.reserve),
            "unfit_marked": sum(1 for p in self.plots if p.unfit),
            "unfit_left_out": self.unfit_left_out,
            "plots_m2": round(plots_m2, 1),
            "reserve_m2": round(reserve_m2, 1),
            "roads_m2": round(roads_m2, 1),
            "setback_m2": round(setback_m2, 1),
            "unfit_empty_m2": round(unfit_m2, 1),
            "left_over_m2": round(left_m2, 1),
            "plots_share": share(plots_m2),
            "reserve_share": share(reserve_m2),
            "roads_share": share(roads_m2),
            "setback_share": share(setback_m2),
            "unfit_empty_share": share(unfit_m2),
            "left_over_share": share(left_m2),
            "reserve_share_asked": self.params.reserve_share,
            "plot_m2_asked": round(width * depth, 2),
            "plot_m2_drafted": round(plots_m2 / len(residential), 2) if residential else 0.0,
            "angle_deg": round(self.angle_deg, 2),
            "srid": self.srid,
        }


def longest_side_angle(outline: BaseGeometry) -> float:
    """The direction (degrees anticlockwise from east, 0-180) of the longest side of the outline's largest part,
    sides shorter than half a metre merged away."""
    parts = getattr(outline, "geoms", [outline])
    ring = shapely.simplify(max(parts, key=lambda g: g.area).exterior, 0.5)
    xy = np.asarray(ring.coords)
    d = np.diff(xy, axis=0)
    i = int(np.argmax(np.hypot(d[:, 0], d[:, 1])))
    return math.degrees(math.atan2(d[i, 1], d[i, 0])) % 180


def _candidates(minx, miny, cols, rows, px, py, width, depth, n):
    """Every plot box of a grid placement (x0, y0 arrays) with its block column, block row, row in block and
    place in row."""
    bc, br, r, k = np.meshgrid(np.arange(cols), np.arange(rows), np.arange(2), np.arange(n), indexing="ij")
    bc, br, r, k = bc.ravel(), br.ravel(), r.ravel(), k.ravel()
    x0 = minx + bc * px + k * width
    y0 = miny + br * py + r * depth
    return bc, br, r, k, x0, y0


def best_placement(rot, *, cols: int, rows: int, width: float, depth: float, n: int, road: float):
    """Of PHASES × PHASES placements of the grid over `rot` (the buildable ground, turned to the grid), the one that
    keeps the most whole plots: (count, block column, block row, row in block, place in row, boxes) of its plots.

    A plot is inside only if its four corners are, which points test cheaply; the plots of a placement are built
    and tested whole (a notch of the boundary can cut between corners) in order of their corner counts, until no
    placement left can beat the best one found (its corner count bounds what it keeps)."""
    bminx, bminy, _bmaxx, _bmaxy = rot.bounds
    px, py = n * width + road, 2 * depth + road
    placements = []
    for fx in range(PHASES):
        for fy in range(PHASES):
            ox, oy = bminx - fx * px / PHASES, bminy - fy * py / PHASES
            bc, br, r, k, x0, y0 = _candidates(ox, oy, cols, rows, px, py, width, depth, n)
            x1, y1 = x0 + width, y0 + depth
            corners = (
                shapely.intersects_xy(rot, x0, y0)
                & shapely.intersects_xy(rot, x1, y0)
                & shapely.intersects_xy(rot, x1, y1)
                & shapely.intersects_xy(rot, x0, y1)
            )
            idx = np.flatnonzero(corners)
            placements.append((len(idx), bc[idx], br[idx], r[idx], k[idx], x0[idx], y0[idx]))
    placements.sort(key=lambda p: -p[0])
    best = (0, *(np.empty(0, dtype=int),) * 4, np.empty(0, dtype=object))
    for bound, bc, br, r, k, x0, y0 in placements:
        if bound <= best[0]:
            break
        boxes = shapely.box(x0, y0, x0 + width, y0 + depth)
        inside = shapely.contains(rot, boxes)
        if int(inside.sum()) > best[0]:
            best = (int(inside.sum()), bc[inside], br[inside], r[inside], k[inside], boxes[inside])
    return best


def draft_layout(
    outline: BaseGeometry,
    params: DraftParameters,
    *,
    srid: int,
    exclude: BaseGeometry | None = None,
    taken_codes=(),
    first_number: int = 1,
) -> Draft:
    """Draft blocks and plots inside `outline` (a shapely polygon or multipolygon in metres, UTM `srid`).

    exclude: unfit ground (same CRS). taken_codes: block codes the township already uses. first_number: the
    number of the first plot. Raises DraftError when the outline or the parameters leave no room for a plot."""
    if outline is not None and outline.geom_type == "GeometryCollection":  # a parcel clipped to a township
        outline = shapely.union_all([g for g in outline.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    if outline is None or outline.is_empty or outline.geom_type not in ("Polygon", "MultiPolygon"):
        raise DraftError({"outline": _("The outline is not a polygon; draw the parcel again.")})
    if not outline.is_valid:
        outline = shapely.make_valid(outline)
        outline = shapely.union_all([g for g in getattr(outline, "geoms", [outline]) if g.area > 0])
    minx, miny, maxx, maxy = outline.bounds
    if maxx - minx < 1 and maxy - miny < 1:
        raise DraftError(
            {
                "outline": _(
                    "The outline measures less than a metre across: its coordinates look like degrees read as "
                    "metres. Give the parcel in its own CRS (EPSG:4326 or UTM)."
                )
            }
        )
    if outline.area > MAX_SITE_HA * 10_000:
        raise DraftError(
            {
                "outline": _("The outline covers %(ha)s ha; draft at most %(max)s ha at once, part by part.")
                % {"ha": f"{outline.area / 10_000:,.0f}", "max": f"{MAX_SITE_HA:,}"}
            }
        )
    width, depth = params.plot_size
    n, road = params.plots_per_row, params.road_width_m
    buildable = outline.buffer(-params.setback_m, join_style="mitre") if params.setback_m else outline
    if buildable.is_empty or buildable.area < width * depth:
        raise DraftError(
            {
                "setback_m": _(
                    "A %(s)s m setback leaves no room for a %(w)s × %(d)s m plot in this parcel: lower the setback."
                )
                % {"s": _m(params.setback_m), "w": _m(width), "d": _m(depth)}
            }
        )
    angle = params.angle_deg if params.angle_deg is not None else longest_side_angle(outline)
    centre = buildable.centroid
    rot = affinity.rotate(buildable, -angle, origin=centre)
    shapely.prepare(rot)
    bminx, bminy, bmaxx, bmaxy = rot.bounds
    bw, bh = n * width, 2 * depth
    px, py = bw + road, bh + road
    cols = int(math.ceil((bmaxx - bminx) / px)) + 1
    rows = int(math.ceil((bmaxy - bminy) / py)) + 1
    if cols * rows * 2 * n > MAX_CANDIDATES:
        raise DraftError(
            {
                "plot_width_m": _(
                    "These plots are too small for a parcel this large (more than %(max)s to try): draft the "
                    "parcel part by part, or give larger plots."
                )
                % {"max": f"{MAX_CANDIDATES:,}"}
            }
        )
    best = best_placement(rot, cols=cols, rows=rows, width=width, depth=depth, n=n, road=road)
    count, bc, br, r, k, boxes = best
    if not count:
        raise DraftError(
            {
                "plot_width_m": _(
                    "Not a single whole %(w)s × %(d)s m plot fits in this parcel with a %(s)s m setback: give "
                    "smaller plots or a smaller setback."
                )
                % {"w": _m(width), "d": _m(depth), "s": _m(params.setback_m)}
            }
        )
    unfit = np.zeros(len(boxes), dtype=bool)
    left_out = 0
    if exclude is not None and not exclude.is_empty:
        ex = affinity.rotate(exclude, -angle, origin=centre)
        shapely.prepare(ex)
        touching = shapely.intersects(ex, boxes)
        if touching.any():
            areas = shapely.area(shapely.intersection(boxes[touching], ex))
            unfit[np.flatnonzero(touching)[areas > UNFIT_MIN_M2]] = True
        if not params.mark_unfit:
            left_out = int(unfit.sum())
            keep = ~unfit
            bc, br, r, k, boxes, unfit = bc[keep], br[keep], r[keep], k[keep], boxes[keep], unfit[keep]
            if not len(boxes):
                raise DraftError(
                    {"outline": _("Every plot that fits lies on unfit ground: there is nothing to draft here.")}
                )

    # Blocks: the connected parts of each grid block's kept plots (a block cut by the boundary may fall in two).
    parts = []  # (grid row, grid column, geometry in the turned frame, indexes of its plots)
    block_key = br * cols + bc
    order = np.argsort(block_key, kind="stable")
    keys, starts = np.unique(block_key[order], return_index=True)
    for i, key in enumerate(keys):
        members = order[starts[i] : starts[i + 1] if i + 1 < len(starts) else len(order)]
        union = shapely.union_all(boxes[members])
        pieces = list(getattr(union, "geoms", [union]))
        if len(pieces) == 1:
            parts.append((int(key // cols), int(key % cols), pieces[0], members))
            continue
        centres = shapely.centroid(boxes[members])
        for piece in pieces:
            inside = shapely.contains(piece, centres)
            parts.append((int(key // cols), int(key % cols), piece, members[inside]))

    # Reserve: whole blocks nearest the centre, full blocks with no unfit plot first, while each brings the
    # reserved area closer to the share asked of the parcel.
    target = params.reserve_share * outline.area
    reserved: set[int] = set()
    if target > 0:
        rc = rot.centroid

        def preference(i):
            _row, _col, geom, members = parts[i]
            full = len(members) == 2 * n and not unfit[members].any()
            return (not full, geom.centroid.distance(rc))

        area = 0.0
        for i in sorted(range(len(parts)), key=preference):
            a = parts[i][2].area
            if abs(area + a - target) < abs(area - target):
                reserved.add(i)
                area += a
            if area >= target:
                break
        if len(reserved) == len(parts):  # keep at least one block of plots
            reserved.discard(max(reserved, key=lambda i: parts[i][2].centroid.distance(rc)))

    # Codes from the top row of the turned grid down, left to right; plots numbered block by block.
    taken = {str(c).upper() for c in taken_codes}
    codes = (c for c in (block_code(i) for i in range(100_000)) if c not in taken)
    place = sorted(range(len(parts)), key=lambda i: (-parts[i][0], parts[i][1], -parts[i][2].centroid.y))

    def back(geoms):
        return shapely.transform(
            np.asarray(geoms, dtype=object),
            lambda xy: _rotate_xy(xy, angle, centre.x, centre.y),
        )

    draft = Draft(srid=srid, params=params, outline=outline, buildable=buildable, angle_deg=angle)
    draft.unfit_left_out, draft.whole_plots = left_out, count
    if exclude is not None and not exclude.is_empty:
        draft.unfit_ground = shapely.intersection(exclude, buildable)
    number = first_number
    block_geoms = back([parts[i][2] for i in place])
    for j, i in enumerate(place):
        _row, _col, geom, members = parts[i]
        code = next(codes)
        if i in reserved:
            draft.blocks.append(DraftBlock(code, block_geoms[j], True, 1))
            draft.plots.append(DraftPlot(str(number), code, "public", block_geoms[j], bool(unfit[members].any())))
            number += 1
            continue
        members = members[np.lexsort((k[members], r[members]))]  # front row, then back row, left to right
        plot_geoms = back(boxes[members])
        draft.blocks.append(DraftBlock(code, block_geoms[j], False, len(members)))
        for geom_utm, m in zip(plot_geoms, members, strict=True):
            draft.plots.append(DraftPlot(str(number), code, "residential", geom_utm, bool(unfit[m])))
            number += 1

    used = shapely.union_all([parts[i][2] for i in range(len(parts))])
    roads = used.buffer(road, join_style="mitre").intersection(rot).difference(used)
    draft.roads = back([roads])[0]
    return draft


def _rotate_xy(xy: np.ndarray, angle_deg: float, x0: float, y0: float) -> np.ndarray:
    """Turn coordinates by angle_deg anticlockwise about (x0, y0): the same arithmetic for every copy of a
    corner, so plots that share a corner still share it exactly."""
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    dx, dy = xy[:, 0] - x0, xy[:, 1] - y0
    return np.column_stack((x0 + c * dx - s * dy, y0 + s * dx + c * dy))
