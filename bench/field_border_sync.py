"""Benchmark: a border officer's phone comes back online with 2,000 families registered offline in a surge, and
syncs them the way the field pages do (webmap/static/webmap/field/border.js and field.js: one JSON POST per family,
in order, over one connection, to /api/v1/field/arrivals/, with the client UUID made on the phone).

Never touches the real database: a scratch database landreg_bench_<pid> is created next to it, migrated, given
Nangarhar with Torkham and a border officer, and --registered households (default 5,000) already registered at
the border with their tazkira numbers; served by gunicorn on 127.0.0.1, and dropped at the end, whatever happens.

The queue: --families families (default 2,000) of 1 to 8 people, DTM age bands, half with a tazkira each; one in
twenty carries a tazkira registered already (the server answers "review" and records an ArrivalReview, never a
merge).

Measured, in one run:
  0. Baseline: the same work without HTTP, arrival_register called in-process for as many other families: the cost
     of registering a family (hashing, duplicate search, household, evidence, history), which the sync cannot beat.
  1. First sync, one phone: time to drain the queue, families/s, p50 / p95 per family, answers, and the ratio of
     its time per family to the baseline's.
  2. The whole queue sent again (a phone that lost every answer): every answer 200, nothing new in the database.
  3. Two phones sending the same queue at once (a restored backup of the phone's queue on a second phone, the worst
     case of "sync exactly once"): still one arrival per family.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/field_border_sync.py [--families 2000] [--workers 3]
"""

import argparse
import base64
import http.client
import json
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
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1/field/arrivals/"
PASSWORD = "bench-border-pass"
NAMES_M = ["Sher Agha", "Gul Ahmad", "Abdul Rahim", "Mohammad Nabi", "Hayatullah", "Zabiullah", "Noorullah", "Wahid"]
NAMES_F = ["Bibi Gul", "Zarmina", "Fatima", "Nazia", "Malalai", "Shabana", "Laila", "Marzia"]
FAMILIES = ["Safi", "Zazai", "Shinwari", "Mohmand", "Khogyani", "Popalzai", "Achakzai", "Ahmadzai"]


def build_data(registered: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from landreg import roles
    from landreg.services import roles_sync, user_create
    from movements.services import arrival_register
    from parcels.models import AdminArea, CrossingPoint

    roles_sync()
    province = AdminArea.objects.create(level="province", pcode="AF06", iso_code="AF-NAN", name_en="Nangarhar")
    torkham = CrossingPoint.objects.create(
        code="torkham",
        name_en="Torkham",
        province=province,
        neighbouring_country="PK",
        main=True,
        geom="SRID=4326;POINT(71.093 34.102)",
        source="bench",
        precision_km=2,
    )
    officer = user_create(username="bench.border", password=PASSWORD, roles=[roles.FIELD_OFFICER], provinces=[province])
    rng = random.Random(7)
    taken = []
    t0 = time.perf_counter()
    for k in range(registered):
        tazkira = f"1399-{k:07d}"
        taken.append(tazkira)
        arrival_register(
            crossing_point=torkham,
            crossed_at=timezone.now() - timedelta(days=rng.randrange(30, 700)),
            category="deported",
            country_of_asylum="PK",
            travelling="alone",
            members=[{"name": person(rng, "m"), "sex": "m", "age_band": "18_59", "tazkira": tazkira}],
            destination_province=province,
            by=officer,
        )
    print(f"registered {registered} households in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    connection.close()
    return {
        "province": province.pk,
        "point": torkham.pk,
        "taken": taken,
        "auth": "Basic " + base64.b64encode(f"bench.border:{PASSWORD}".encode()).decode(),
    }


def person(rng, sex) -> str:
    return f"{rng.choice(NAMES_M if sex == 'm' else NAMES_F)} {rng.choice(FAMILIES)}"


def queued_families(n: int, data: dict, seed: int, prefix: str) -> list[dict]:
    """What the phone's IndexedDB holds: n families as border.js queues them."""
    rng = random.Random(seed)
    families = []
    for k in range(n):
        size = rng.choice([1, 1, 2, 3, 4, 5, 6, 7, 8])
        members = []
        for i in range(size):
            sex = "m" if i == 0 else rng.choice("mf")
            band = "18_59" if i < 2 else rng.choice(["0_4", "5_17", "5_17", "60_plus"])
            member = {"name": person(rng, sex), "sex": sex, "age_band": band}
            if i == 0:
                member["father_name"] = person(rng, "m")
                member["date_of_birth"] = (date(1960, 1, 1) + timedelta(days=rng.randrange(15000))).isoformat()
            else:
                member["relationship"] = "spouse" if i == 1 else "child"
            if band in ("18_59", "60_plus") and rng.random() < 0.5:
                member["tazkira"] = f"{prefix}-{k:06d}-{i}"
            members.append(member)
        if k % 20 == 0:  # one in twenty: a tazkira registered already, to another household
            members[0]["tazkira"] = rng.choice(data["taken"])
        families.append(
            {
                "client_uuid": str(uuid.uuid4()),
                "crossing_point": data["point"],
                "crossed_at": datetime.now().astimezone().isoformat(),
                "category": rng.choice(["deported", "deported", "spontaneous_undocumented", "documented"]),
                "country_of_asylum": "PK",
                "years_abroad": rng.randrange(0, 40),
                "documents_held": rng.choice([["none"], ["tazkira"], ["por_card"], ["expired_por"]]),
                "vulnerabilities": rng.choice([[], [], ["medical_case"], ["female_headed"], ["disability"]]),
                "assistance": rng.choice([["cash"], ["cash", "transport"], ["food"], []]),
                "destination_province": data["province"],
                "members": members,
            }
        )
    return families


def baseline(families: list[dict], data: dict) -> dict:
    """arrival_register in-process, one family after another: the work itself, without HTTP or JSON."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils.dateparse import parse_datetime

    from movements.services import arrival_register
    from parcels.models import AdminArea, CrossingPoint

    officer = get_user_model().objects.get(username="bench.border")
    point = CrossingPoint.objects.get(pk=data["point"])
    province = AdminArea.objects.get(pk=data["province"])
    latencies = []
    t0 = time.perf_counter()
    for f in families:
        start = time.perf_counter()
        members = [
            {**m, "date_of_birth": date.fromisoformat(m["date_of_birth"])} if "date_of_birth" in m else m
            for m in f["members"]
        ]
        arrival_register(
            client_uuid=f["client_uuid"],
            crossing_point=point,
            crossed_at=parse_datetime(f["crossed_at"]),
            category=f["category"],
            country_of_asylum=f["country_of_asylum"],
            years_abroad=f["years_abroad"],
            documents_held=f["documents_held"],
            vulnerabilities=f["vulnerabilities"],
            assistance=f["assistance"],
            travelling="family" if len(members) > 1 else "alone",
            members=members,
            destination_province=province,
            by=officer,
        )
        latencies.append(time.perf_counter() - start)
    seconds = time.perf_counter() - t0
    connection.close()
    return summary(latencies, seconds, {"in-process": len(families)}, {})


def summary(latencies, seconds, statuses, outcomes) -> dict:
    latencies = sorted(latencies)
    return {
        "families": len(latencies),
        "seconds": seconds,
        "rate": len(latencies) / seconds,
        "per_family_ms": seconds / len(latencies) * 1000,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "statuses": statuses,
        "outcomes": outcomes,
    }


def sync(port: int, auth: str, families: list[dict]) -> dict:
    """Send the queue in order over one keep-alive connection, as the page does."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    latencies, statuses, outcomes = [], {}, {}
    t0 = time.perf_counter()
    for family in families:
        body = json.dumps(family).encode()
        headers = {"Authorization": auth, "Content-Type": "application/json", "Accept": "application/json"}
        start = time.perf_counter()
        conn.request("POST", API, body=body, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        latencies.append(time.perf_counter() - start)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if response.status in (200, 201):
            outcome = json.loads(answer)["status"]
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        elif statuses[response.status] <= 3:
            print(f"  {response.status}: {answer[:300]!r}", file=sys.stderr)
    seconds = time.perf_counter() - t0
    conn.close()
    return summary(latencies, seconds, statuses, outcomes)


def counts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM movements_arrival), (SELECT count(*) FROM movements_arrivalmember), "
            "(SELECT count(*) FROM households_household), (SELECT count(*) FROM movements_arrivalreview), "
            "(SELECT count(*) FROM households_returnevidence)"
        )
        return dict(zip(["arrivals", "members", "households", "reviews", "evidence"], cursor.fetchone(), strict=True))


def main(args) -> int:
    if "DATABASE_URL" not in os.environ:
        sys.exit("DATABASE_URL is not set: run `set -a; . .data/env; set +a` first")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from allocate_concurrency import create_scratch, drop_scratch, scratch_url
    from serve import free_port, start_gunicorn, stop_gunicorn

    log = tempfile.NamedTemporaryFile("w+", prefix="landreg-bench-border-", suffix=".log", delete=False)
    gunicorn = None
    create_scratch()
    try:
        env = {**os.environ, "DATABASE_URL": scratch_url()}
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
        os.environ["DATABASE_URL"] = scratch_url()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")
        import django

        django.setup()
        data = build_data(args.registered)
        base = baseline(queued_families(args.families, data, 11, "1401"), data)
        queue = queued_families(args.families, data, 12, "1402")
        twice = queued_families(args.parallel, data, 13, "1403")
        port = free_port()
        gunicorn = start_gunicorn(scratch_url(), args.workers, port, log, probe="/field/sw.js")
        before = counts()
        first = sync(port, data["auth"], queue)
        after_first = counts()
        again = sync(port, data["auth"], queue)
        after_again = counts()
        results = [None, None]
        orders = [twice, list(reversed(twice))]  # the second phone from the other end: every family meets its twin
        threads = [
            threading.Thread(target=lambda i=i: results.__setitem__(i, sync(port, data["auth"], orders[i])))
            for i in range(2)
        ]
        t0 = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        race_seconds = time.perf_counter() - t0
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

    def answers(statuses: dict) -> str:
        return ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items(), key=str))

    def row(label, r):
        return (
            f"| {label} | {r['families']} | {r['seconds']:.1f} | {r['rate']:.1f} | {r['per_family_ms']:.1f} | "
            f"{r['p50']:.1f} | {r['p95']:.1f} | {r['per_family_ms'] / base['per_family_ms']:.2f} | "
            f"{answers(r['statuses'])} | {answers(r['outcomes'])} |"
        )

    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}; gunicorn "
        f"{args.workers} sync workers; {args.registered} households registered before; {date.today().isoformat()}"
    )
    print()
    print("| run | families | seconds | families/s | ms a family | p50 ms | p95 ms | × baseline | answers | outcome |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    print(row("baseline: arrival_register in-process", base))
    print(row("first sync, one phone (HTTP)", first))
    print(row("same queue again (retry)", again))
    merged = {}
    for r in results:
        for k, v in r["statuses"].items():
            merged[k] = merged.get(k, 0) + v
    print(
        f"| two phones, same {args.parallel} families at once | {2 * args.parallel} | {race_seconds:.1f} | "
        f"{2 * args.parallel / race_seconds:.1f} | | | | | {answers(merged)} | |"
    )
    print()
    made = {k: after_first[k] - before[k] for k in before}
    print(f"made by the first sync: {made}")
    print(f"made by the retry: { {k: after_again[k] - after_first[k] for k in before} }")
    print(f"made by the two phones racing: { {k: final[k] - after_again[k] for k in before} }")
    expected_reviews = sum(1 for k in range(args.families) if k % 20 == 0)
    ok = (
        first["statuses"] == {201: args.families}
        and made["arrivals"] == args.families
        and made["reviews"] == expected_reviews
        and after_again == after_first
        and again["statuses"] == {200: args.families}
        and final["arrivals"] - after_again["arrivals"] == args.parallel
    )
    print(f"exactly once: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--registered", type=int, default=5000, help="households registered before the surge")
    parser.add_argument("--parallel", type=int, default=200, help="families sent by two phones at once")
    parser.add_argument("--workers", type=int, default=3)
    sys.exit(main(parser.parse_args()))
