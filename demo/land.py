"""The demo's land: the provinces, and for each planned township its state land parcel, boundary, blocks, plots
and facilities, laid out on a grid in UTM metres so neighbouring plots and blocks share their vertices."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from pyproj import Transformer

from parcels.models import AdminArea, LandParcel
from parcels.services import provinces_load_reference
from townships.models import Block, Facility, Plot, Township

STREET_M = 12  # street width left between blocks
PLOT_DEPTH_M = 40
# Plot widths along a block row: six of 10 biswa (1,000 m²), two of 15 biswa (1,500 m²).
PLOT_WIDTHS_M = [25, 25, 25, 25, 25, 25, 37.5, 37.5]


@dataclass(frozen=True)
class TownshipPlan:
    code: str
    name: str
    name_prs: str
    name_ps: str
    province_pcode: str
    lon: float
    lat: float
    blocks_x: int
    blocks_y: int
    households: int


PLANS = [
    # No brackets in the Dari and Pashto names: MapLibre's right-to-left plugin draws them unmirrored on the map.
    TownshipPlan(
        "NAN-SMD", "Sheikh Mesri (demo)", "شیخ مصری - نمونه", "شیخ مصري - بېلګه", "AF06", 70.515, 34.372, 4, 4, 250
    ),
    TownshipPlan("HER-SHD", "Shaidayee (demo)", "شیدایی - نمونه", "شیدايي - بېلګه", "AF32", 62.268, 34.366, 5, 4, 250),
]


def demo_provinces_ensure(progress: Callable[[str], None]) -> None:
    """The 34 provinces from the reference files in gis_data/, unless the plans' provinces are already there."""
    needed = {plan.province_pcode for plan in PLANS}
    if AdminArea.objects.filter(pcode__in=needed).count() < len(needed):
        data = settings.BASE_DIR / "gis_data"
        provinces_load_reference(
            data / "geoBoundaries-AFG-ADM1.geojson", data / "af_provinces.csv", data / "af_provinces_ps.csv"
        )
        progress("34 provinces loaded")


def _utm_srid(lon: float) -> int:
    return 32641 if lon < 66 else 32642 if lon < 72 else 32643


class _Grid:
    """Builds the layout in UTM metres and hands out EPSG:4326 polygons with shared vertices."""

    def __init__(self, plan: TownshipPlan):
        self.srid = _utm_srid(plan.lon)
        to_utm = Transformer.from_crs(4326, self.srid, always_xy=True)
        self.to_wgs = Transformer.from_crs(self.srid, 4326, always_xy=True)
        self.x0, self.y0 = to_utm.transform(plan.lon, plan.lat)
        self.block_w = sum(PLOT_WIDTHS_M)
        self.block_h = 2 * PLOT_DEPTH_M
        self.width = plan.blocks_x * self.block_w + (plan.blocks_x - 1) * STREET_M
        self.height = plan.blocks_y * self.block_h + (plan.blocks_y - 1) * STREET_M

    def polygon(self, ring_m: list[tuple[float, float]]) -> Polygon:
        ring = [self.to_wgs.transform(self.x0 + x, self.y0 + y) for x, y in ring_m]
        return Polygon(ring + [ring[0]], srid=4326)

    def point(self, x: float, y: float) -> Point:
        return Point(*self.to_wgs.transform(self.x0 + x, self.y0 + y), srid=4326)

    def block_origin(self, bx: int, by: int) -> tuple[float, float]:
        return bx * (self.block_w + STREET_M), by * (self.block_h + STREET_M)

    def block_ring(self, bx: int, by: int) -> list[tuple[float, float]]:
        """The block outline through every plot corner on its edge, so plot and block share vertices."""
        x0, y0 = self.block_origin(bx, by)
        xs = [x0]
        for w in PLOT_WIDTHS_M:
            xs.append(xs[-1] + w)
        bottom = [(x, y0) for x in xs]
        top = [(x, y0 + self.block_h) for x in reversed(xs)]
        return bottom + [(xs[-1], y0 + PLOT_DEPTH_M)] + top + [(x0, y0 + PLOT_DEPTH_M)]

    def plot_rings(self, bx: int, by: int):
        x0, y0 = self.block_origin(bx, by)
        for row in range(2):
            x = x0
            for w in PLOT_WIDTHS_M:
                y = y0 + row * PLOT_DEPTH_M
                yield [(x, y), (x + w, y), (x + w, y + PLOT_DEPTH_M), (x, y + PLOT_DEPTH_M)]
                x += w


def demo_township_create(plan: TownshipPlan, progress: Callable[[str], None]) -> Township:
    """The township on its own designated state land parcel, open, with blocks, plots and facilities."""
    grid = _Grid(plan)
    province = AdminArea.objects.get(pcode=plan.province_pcode)
    margin = 25
    boundary = grid.polygon(
        [
            (-margin, -margin),
            (grid.width + margin, -margin),
            (grid.width + margin, grid.height + margin),
            (-margin, grid.height + margin),
        ]
    )
    parcel_ring = grid.polygon(
        [(-60, -60), (grid.width + 60, -60), (grid.width + 60, grid.height + 60), (-60, grid.height + 60)]
    )
    parcel = LandParcel.objects.create(
        reference=f"DEMO-ARAZI-{plan.code}",
        name=f"State land for {plan.name}",
        province=province,
        legal_status=LandParcel.LegalStatus.DESIGNATED,
        geom=MultiPolygon(parcel_ring, srid=4326),
        notes="Demonstration parcel: synthetic, not a real land record.",
    )
    township = Township.objects.create(
        code=plan.code,
        name=plan.name,
        name_prs=plan.name_prs,
        name_ps=plan.name_ps,
        province=province,
        legal_basis=Township.LegalBasis.DECREE_305_2018,
        geom=MultiPolygon(boundary, srid=4326),
        status=Township.Status.OPEN,
        planned_services="Water network, primary school, clinic, mosque, market.",
        is_demo=True,
    )
    township.land_parcels.add(parcel)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    n_blocks = plan.blocks_x * plan.blocks_y
    plots, number = [], 0
    for by in range(plan.blocks_y):
        for bx in range(plan.blocks_x):
            code = f"{letters[by]}{bx + 1}"
            block = Block.objects.create(township=township, code=code, geom=grid.polygon(grid.block_ring(bx, by)))
            for ring in grid.plot_rings(bx, by):
                number += 1
                use = Plot.Use.RESIDENTIAL
                if (bx, by) == (0, 0) and number <= 4:
                    use = Plot.Use.PUBLIC  # school and clinic site
                elif (bx, by) == (plan.blocks_x - 1, 0) and number % 16 in (7, 8):
                    use = Plot.Use.COMMERCIAL
                plots.append(
                    Plot(
                        township=township,
                        block=block,
                        number=str(number),
                        geom=grid.polygon(ring),
                        use=use,
                        status=Plot.Status.AVAILABLE,
                    )
                )
            Plot.objects.bulk_create(plots)  # triggers check every rule and measure the area
            plots = []
            progress(f"{plan.name}: block {code} ({by * plan.blocks_x + bx + 1}/{n_blocks}), {number} plots")
    facilities = [
        (Facility.Kind.SCHOOL, "Primary school", grid.point(30, 40)),
        (Facility.Kind.CLINIC, "Basic health centre", grid.point(80, 40)),
        (Facility.Kind.MOSQUE, "Jama masjid", grid.point(grid.width / 2, grid.block_h + STREET_M / 2)),
        (Facility.Kind.MARKET, "Market", grid.point(grid.width - 40, 40)),
        (Facility.Kind.ROAD_ACCESS, "Main road access", grid.point(grid.width / 2, -margin)),
    ]
    for i in range(plan.blocks_x - 1):
        x = (i + 1) * (grid.block_w + STREET_M) - STREET_M / 2
        facilities.append((Facility.Kind.WATER_POINT, f"Water point {i + 1}", grid.point(x, grid.height / 2)))
    Facility.objects.bulk_create(Facility(township=township, kind=k, name=n, geom=g) for k, n, g in facilities)
    return township
