"""Benchmark: a field officer's phone comes back online with 500 queued inspections, each with a photo, and syncs
them the way the field pages do (webmap/static/webmap/field/field.js: one multipart POST per visit, in order, to
/api/v1/field/inspections/, with the client UUID made on the phone).

Never touches the real database: a scratch database landreg_bench_<pid> is created next to it, migrated, filled
with N plots (default 500) allocated to N households with a shelter project each and assigned to one field officer,
served by gunicorn on 127.0.0.1, and dropped at the end, whatever happens.

Photos are what a low-end phone camera makes: JPEG, 2048 × 1536, with EXIF time and GPS, ~0.5 MB each (smooth
random texture, so they compress like a photo rather than like a flat colour); every one is different.

Measured:
  1. First sync, one phone: time, visits/s, p50 / p95 per visit, bytes sent (request line, headers and body) and
     bytes received, and how much of what was sent is photo.
  2. The same 500 sent again (a phone that lost every answer and retries its whole queue): time, bytes, and that
     the server made nothing new (every answer 200, row counts unchanged).
  3. Four phones syncing --parallel (200) other queued visits at once, 50 each.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/field_sync.py [--visits 500] [--workers 3]
"""

import argparse
import base64
import http.client
import io
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, datetime
from pathlib import Path

from allocate_concurrency import create_scratch, drop_scratch, scratch_url
from serve import free_port, start_gunicorn, stop_gunicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LON, LAT, UTM = 70.5, 34.4, 32642
PLOT_W, PLOT_D, COLS, ROWS, STREET = 20.0, 25.0, 10, 5, 10.0  # a block: 10 × 5 plots, 200 m × 125 m
API = "/api/v1/field/inspections/"
PASSWORD = "bench-field-pass"


def phone_photo(seed: int, lat: float, lon: float, size=(2048, 1536)) -> bytes:
    """A photo as a phone makes it: smooth texture, EXIF DateTimeOriginal and GPS."""
    from PIL import ExifTags, Image

    from demo.sample_photos import _dms

    rng = random.Random(seed)
    small = Image.frombytes("RGB", (64, 48), bytes(rng.randrange(256) for _ in range(64 * 48 * 3)))
    image = small.resize(size, Image.Resampling.BICUBIC)
    tags = Image.Exif()
    stamp = datetime.now().strftime("%Y:%m:%d %H:%M:%S")
    tags[ExifTags.Base.Make] = "BenchPhone"
    tags[ExifTags.Base.DateTime] = stamp
    tags[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: stamp}
    tags[ExifTags.IFD.GPSInfo] = {1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, exif=tags)
    return out.getvalue()


def build_data(n: int) -> dict:
    """n plots allocated (approved) to n households, a shelter project on each, one field officer assigned."""
    from django.contrib.gis.geos import MultiPolygon
    from django.db import connection
    from pyproj import Transformer

    from allocations.services import allocation_propose, allocation_transition
    from households.services import household_register
    from landreg import roles
    from landreg.services import roles_sync, user_create
    from parcels.models import AdminArea
    from shelters.services import assignment_create, shelter_project_create
    from tests.conftest import UtmFrame
    from townships import services as township_services

    roles_sync()
    frame = UtmFrame(LON, LAT, UTM)
    province = AdminArea.objects.create(level="province", pcode="AF06", iso_code="AF-NAN", name_en="Nangarhar")
    blocks = (n + COLS * ROWS - 1) // (COLS * ROWS)
    width = blocks * (COLS * PLOT_W + STREET)
    township = township_services.township_create(
        code="BENCH-FIELD",
        name="Bench township",
        province=province,
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(-STREET, -STREET, width + STREET, ROWS * PLOT_D + 2 * STREET)),
    )
    officer = user_create(username="bench.officer", password=PASSWORD, roles=[roles.LAND_OFFICER], provinces=[province])
    committee = user_create(
        username="bench.committee", password=PASSWORD, roles=[roles.COMMITTEE_MEMBER], provinces=[province]
    )
    field = user_create(username="bench.field", password=PASSWORD, roles=[roles.FIELD_OFFICER], provinces=[province])
    to_wgs = Transformer.from_crs(UTM, 4326, always_xy=True)
    plots = []
    for b in range(blocks):
        x0 = b * (COLS * PLOT_W + STREET)
        block = township_services.block_create(
            # half a metre of margin: a plot on the block's edge must not poke out by a rounding error
            township=township,
            code=f"B{b + 1}",
            geom=frame.rect(x0 - 0.5, -0.5, COLS * PLOT_W + 1, ROWS * PLOT_D + 1),
        )
        for i in range(COLS * ROWS):
            if len(plots) == n:
                break
            col, row = i % COLS, i // COLS
            x, y = x0 + col * PLOT_W, row * PLOT_D
            plot = township_services.plot_create(
                township=township,
                block=block,
                number=str(len(plots) + 1),
                geom=frame.rect(x, y, PLOT_W, PLOT_D),
                status="available",
            )
            lon, lat = to_wgs.transform(frame.x0 + x + PLOT_W / 2, frame.y0 + y + PLOT_D / 2)
            plots.append((plot, lat, lon))
    for k, (plot, _lat, _lon) in enumerate(plots):
        household = household_register(
            code=f"BENCH-{k:05d}",
            province=province,
            size=6,
            category="documented_returnee",
            status="eligible",
            landless_declared=True,
            head={"name": f"Head {k}", "father_name": "Father", "sex": "m"},
            registered_by=officer,
        )
        allocation = allocation_propose(household=household, plot=plot, proposed_by=officer)
        allocation = allocation_transition(allocation=allocation, action="approve", by=committee, reference="B-1")
        shelter_project_create(
            allocation=allocation,
            implementing_partner="Bench NGO",
            modality="conditional_cash",
            by=officer,
            tranches=[("foundation", 40000)],
        )
        assignment_create(officer=field, plot=plot, due_on=date.today(), by=officer)
    connection.close()
    auth = "Basic " + base64.b64encode(f"bench.field:{PASSWORD}".encode()).decode()
    return {"plots": [(p.pk, lat, lon) for p, lat, lon in plots], "auth": auth}


def multipart(fields: dict, photos: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "----landreg" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for filename, data in photos:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def queued_visits(plots, seed0: int) -> list[dict]:
    """What the phone's IndexedDB holds: one passed foundation inspection per plot, with its photo."""
    visits = []
    for k, (plot, lat, lon) in enumerate(plots):
        photo = phone_photo(seed0 + k, lat, lon)
        fields = {
            "client_uuid": str(uuid.uuid4()),
            "plot": plot,
            "stage": "foundation",
            "result": "pass",
            "inspected_on": date.today().isoformat(),
            "lat": f"{lat:.7f}",
            "lon": f"{lon:.7f}",
            "accuracy_m": "6",
            "remarks": "Foundation complete, plinth level checked",
            "checklist": '{"footing_depth_ok": true, "plinth_level": true}',
        }
        visits.append({"fields": fields, "photos": [(f"IMG_{k:05d}.jpg", photo)]})
    return visits


def sync(port: int, auth: str, visits: list[dict]) -> dict:
    """Send the queue in order over one keep-alive connection, as the page does; count bytes both ways."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    sent = received = photo_bytes = 0
    latencies, statuses = [], {}
    t0 = time.perf_counter()
    for visit in visits:
        body, content_type = multipart(visit["fields"], visit["photos"])
        headers = {"Authorization": auth, "Content-Type": content_type, "Accept": "application/json"}
        start = time.perf_counter()
        conn.request("POST", API, body=body, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        latencies.append(time.perf_counter() - start)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if response.status not in (200, 201) and statuses[response.status] <= 3:
            print(f"  {response.status}: {answer[:300]!r}", file=sys.stderr)
        head = f"POST {API} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: identity\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in {**headers, "Content-Length": len(body)}.items()
        )
        sent += len(head) + 2 + len(body)
        photo_bytes += sum(len(data) for _name, data in visit["photos"])
        status_line_and_headers = 17 + sum(len(k) + len(v) + 4 for k, v in response.getheaders()) + 2
        received += status_line_and_headers + len(answer)
    seconds = time.perf_counter() - t0
    conn.close()
    latencies.sort()
    return {
        "latencies": latencies,
        "visits": len(visits),
        "seconds": seconds,
        "rate": len(visits) / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "sent": sent,
        "photo_bytes": photo_bytes,
        "received": received,
        "statuses": statuses,
    }


def ask_first(port: int, auth: str, visits: list[dict]) -> dict:
    """The page's retry of a visit sent before whose answer was lost: GET it by UUID first (no photo upload)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    sent = received = 0
    statuses = {}
    t0 = time.perf_counter()
    for visit in visits:
        path = f"{API}{visit['fields']['client_uuid']}/"
        headers = {"Authorization": auth, "Accept": "application/json"}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        statuses[response.status] = statuses.get(response.status, 0) + 1
        sent += (
            len(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: identity\r\n")
            + sum(len(k) + len(v) + 4 for k, v in headers.items())
            + 2
        )
        received += 17 + sum(len(k) + len(v) + 4 for k, v in response.getheaders()) + 2 + len(answer)
    seconds = time.perf_counter() - t0
    conn.close()
    return {"visits": len(visits), "seconds": seconds, "sent": sent, "received": received, "statuses": statuses}


def counts() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM shelters_inspection), (SELECT count(*) FROM shelters_photo)")
        return cursor.fetchone()


def mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{n / 1e3:,.1f} kB"


def main(args) -> int:
    if "DATABASE_URL" not in os.environ:
        sys.exit("DATABASE_URL is not set: run `set -a; . .data/env; set +a` first")
    log = tempfile.NamedTemporaryFile("w+", prefix="landreg-bench-field-", suffix=".log", delete=False)
    media = tempfile.mkdtemp(prefix="landreg-bench-media-")
    gunicorn = None
    create_scratch()
    try:
        env = {**os.environ, "DATABASE_URL": scratch_url()}
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
        os.environ["DATABASE_URL"] = scratch_url()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")
        import django

        django.setup()
        t0 = time.perf_counter()
        data = build_data(args.visits + args.parallel)
        print(f"built {len(data['plots'])} shelters in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        first_plots, other_plots = data["plots"][: args.visits], data["plots"][args.visits :]
        t0 = time.perf_counter()
        queue = queued_visits(first_plots, 1)
        others = queued_visits(other_plots, 100_000)
        print(f"made {len(queue) + len(others)} photos in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        port = free_port()
        gunicorn = start_gunicorn(
            scratch_url(), args.workers, port, log, probe="/field/sw.js", env={"MEDIA_ROOT": media}
        )
        first = sync(port, data["auth"], queue)
        after_first = counts()
        again = sync(port, data["auth"], queue)
        after_again = counts()
        asked = ask_first(port, data["auth"], queue)
        chunks = [others[i :: args.phones] for i in range(args.phones)]
        results = [None] * args.phones
        threads = [
            threading.Thread(target=lambda i=i: results.__setitem__(i, sync(port, data["auth"], chunks[i])))
            for i in range(args.phones)
        ]
        t0 = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        parallel_seconds = time.perf_counter() - t0
        final = counts()
    finally:
        if gunicorn is not None:
            stop_gunicorn(gunicorn)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        drop_scratch()
        subprocess.run(["rm", "-rf", media], check=False)

    def answers(statuses: dict) -> str:
        return ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items()))

    def row(label, r):
        return (
            f"| {label} | {r['visits']} | {r['seconds']:.1f} | {r['rate']:.1f} | {r['p50']:.0f} | {r['p95']:.0f} | "
            f"{mb(r['sent'])} | {mb(r['received'])} | {answers(r['statuses'])} |"
        )

    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"gunicorn {args.workers} sync workers; photos {mb(first['photo_bytes'] // first['visits'])} each on average"
    )
    print()
    print("| run | visits | seconds | visits/s | p50 ms | p95 ms | sent | received | answers |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    print(row("first sync, one phone", first))
    print(row("same queue again (retry)", again))
    print(
        f"| retry asking first (GET by UUID) | {asked['visits']} | {asked['seconds']:.1f} | "
        f"{asked['visits'] / asked['seconds']:.1f} | | | {mb(asked['sent'])} | {mb(asked['received'])} | "
        f"{answers(asked['statuses'])} |"
    )
    sent = sum(r["sent"] for r in results)
    combined = sorted(x for r in results for x in r["latencies"])
    p95 = combined[int(0.95 * (len(combined) - 1))]
    visits = sum(r["visits"] for r in results)
    statuses = {}
    for r in results:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    print(
        f"| {args.phones} phones at once | {visits} | {parallel_seconds:.1f} | {visits / parallel_seconds:.1f} | "
        f"{statistics.median(combined) * 1000:.0f} | {p95 * 1000:.0f} | {mb(sent)} | "
        f"{mb(sum(r['received'] for r in results))} | {', '.join(f'{k}×{v}' for k, v in sorted(statuses.items()))} |"
    )
    print()
    overhead = first["sent"] - first["photo_bytes"]
    print(
        f"First sync: {mb(first['sent'])} sent, of which photos {mb(first['photo_bytes'])} "
        f"({first['photo_bytes'] / first['sent']:.1%}); form fields, multipart framing and headers "
        f"{overhead / first['visits']:,.0f} bytes a visit. Inspections/photos in the database after the first sync "
        f"{after_first[0]}/{after_first[1]}, after the retry {after_again[0]}/{after_again[1]}, at the end "
        f"{final[0]}/{final[1]}."
    )
    duplicates_made = after_again != after_first or again["statuses"] != {200: again["visits"]}
    ok = not duplicates_made and first["statuses"] == {201: first["visits"]} and final[0] == args.visits + args.parallel
    print(f"retry made nothing new: {'yes' if not duplicates_made else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=500)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--phones", type=int, default=4)
    parser.add_argument("--parallel", type=int, default=200, help="visits synced by the phones at once")
    sys.exit(main(parser.parse_args()))
