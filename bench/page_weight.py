"""Benchmark: the first load of the land officers' map page, as Chromium's network log counts it, and the time to
a usable map on an emulated poor link.

Never touches the real database. It creates the scratch database landreg_bench_page_<pid>, migrates it, loads the
demo (`load_demo`: two townships, ~1,000 plots), collects the static files into a scratch folder with the
production storage (whitenoise's compressed manifest storage, DEBUG off), and serves it with gunicorn on 127.0.0.1.
Debian's Chromium (WebGL through SwiftShader) logs in as the demo land officer of Nangarhar once; then each run is a
new browser context with that session and an empty cache, so everything the page needs is fetched:

  1. the weight: every response's bytes on the wire (CDP Network.loadingFinished encodedDataLength: compressed
     body plus headers), by kind (page, MapLibre, our script and styles, translations, tiles, JSON), until the map
     is idle with every tile of the view loaded;
  2. the time to a usable map on 256 kbit/s down and up with 300 ms round trip (CDP
     Network.emulateNetworkConditions): from navigation to the moment the map has drawn plots from the tiles and
     every tile of the view is loaded (the officer can click a plot).

The weight run is done unthrottled and throttled (they must agree); the timed run is repeated --runs times and the
median kept. The scratch database and folder are removed at the end, whatever happens.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/page_weight.py [--runs 3]
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

from scratch import create_database, database_url, drop_database
from serve import free_port, start_gunicorn, stop_gunicorn

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = f"landreg_bench_page_{os.getpid()}"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OFFICER, PASSWORD = "officer.nangarhar", "landreg-demo"  # the demo's land officer (demo/users.py)
KBIT = 256
RTT_MS = 300
GOAL_BYTES = 400 * 1024
USABLE = """() => {
  const map = window.landregMap;
  if (!window.landregMapLoaded || !map.areTilesLoaded()) return false;
  if (!map.queryRenderedFeatures({layers: ['plots-fill']}).length) return false;
  window.__usableAt = window.__usableAt || performance.now();
  return true;
}"""
IDLE = (
    "() => new Promise(done => landregMap.loaded() && landregMap.areTilesLoaded() ? done() "
    ": landregMap.once('idle', done))"
)


def scratch_url() -> str:
    return database_url(SCRATCH)


def manage(env: dict, *args: str) -> None:
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True)


def kind_of(url: str, resource: str) -> str:
    path = urllib.parse.urlparse(url).path
    if path.startswith("/tiles/imagery/"):
        return "imagery tiles"
    if path.startswith("/tiles/"):
        return "vector tiles"
    if "maplibre-gl" in path:
        return "MapLibre GL JS + CSS"
    if path.startswith("/static/"):
        return "our scripts and styles"
    if path.startswith("/jsi18n/"):
        return "translations (/jsi18n/)"
    if path.startswith("/api/"):
        return "JSON"
    if resource == "Document":
        return "the page (HTML)"
    return "other"


def first_load(browser, base: str, state: dict, *, throttled: bool) -> dict:
    """One first visit to the map in a fresh context: bytes by kind, requests, and ms to a usable map."""
    context = browser.new_context(storage_state=state, viewport={"width": 1280, "height": 850})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    seen: dict[str, dict] = {}
    conditions = {"offline": False, "latency": RTT_MS, "downloadThroughput": KBIT * 1000 / 8}  # bytes/s
    conditions["uploadThroughput"] = conditions["downloadThroughput"]

    def network_event(method: str, e: dict, prefix: str = "") -> None:
        key = prefix + e.get("requestId", "")
        if method == "Network.responseReceived":
            headers = {k.lower(): v for k, v in e["response"]["headers"].items()}
            seen.setdefault(key, {}).update(
                url=e["response"]["url"],
                type=e["type"],
                status=e["response"]["status"],
                encoding=headers.get("content-encoding", ""),
            )
        elif method == "Network.loadingFinished":
            seen.setdefault(key, {}).update(bytes=e["encodedDataLength"])

    # MapLibre fetches tiles from a web worker, a target of its own: attach to it (the classic, non-flattened way, as
    # Playwright's CDP session speaks to one target) so its requests are counted and throttled like the page's.
    def send_to(session: str, method: str, params: dict | None = None) -> None:
        message = {"id": len(seen) + 10_000, "method": method, "params": params or {}}
        cdp.send("Target.sendMessageToTarget", {"sessionId": session, "message": json.dumps(message)})

    def attached(e: dict) -> None:
        session = e["sessionId"]
        send_to(session, "Network.enable")
        send_to(session, "Network.setCacheDisabled", {"cacheDisabled": True})
        if throttled:
            send_to(session, "Network.emulateNetworkConditions", conditions)
        send_to(session, "Runtime.runIfWaitingForDebugger")

    def from_target(e: dict) -> None:
        message = json.loads(e["message"])
        if "method" in message:
            network_event(message["method"], message.get("params", {}), prefix=e["sessionId"])

    cdp.on("Target.attachedToTarget", attached)
    cdp.on("Target.receivedMessageFromTarget", from_target)
    cdp.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False})
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttled:
        cdp.send("Network.emulateNetworkConditions", conditions)
    cdp.on("Network.responseReceived", lambda e: network_event("Network.responseReceived", e))
    cdp.on("Network.loadingFinished", lambda e: network_event("Network.loadingFinished", e))
    page.goto(f"{base}/", wait_until="commit")
    page.wait_for_function(USABLE, timeout=600_000, polling=50)
    usable_ms = page.evaluate("window.__usableAt")
    page.evaluate(IDLE)
    page.wait_for_timeout(1500)  # anything the idle map still asks for (it should ask for nothing)
    rows = [r for r in seen.values() if "url" in r and "bytes" in r]
    by_kind: dict[str, list] = {}
    for r in rows:
        entry = by_kind.setdefault(kind_of(r["url"], r["type"]), [0, 0, set()])
        entry[0] += r["bytes"]
        entry[1] += 1
        entry[2].add(r["encoding"] or "none")
    outside = [r["url"] for r in rows if not r["url"].startswith((base, "data:", "blob:"))]
    context.close()
    return {
        "total": sum(r["bytes"] for r in rows),
        "requests": len(rows),
        "by_kind": by_kind,
        "usable_ms": usable_ms,
        "outside": outside,
        "tiles": sorted(urllib.parse.urlparse(r["url"]).path for r in rows if "/tiles/" in r["url"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="throttled first loads to time (the median is kept)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    static_root = Path(tempfile.mkdtemp(prefix="landreg-bench-static-"))
    media_root = Path(tempfile.mkdtemp(prefix="landreg-bench-media-"))
    env = {
        **os.environ,
        "DATABASE_URL": scratch_url(),
        "DEBUG": "false",
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(media_root),
    }
    create_database(SCRATCH)
    gunicorn = None
    try:
        print(f"scratch database {SCRATCH}: migrate, load the demo, collect static files", file=sys.stderr)
        manage(env, "migrate", "-v0")
        manage(env, "load_demo")
        manage(env, "collectstatic", "--no-input", "-v0")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(static_root / "gunicorn.log", "w")  # noqa: SIM115 - closed with the folder
        gunicorn = start_gunicorn(scratch_url(), 2, port, log, probe="/admin/login/", env=env)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--use-angle=swiftshader",
                    "--enable-unsafe-swiftshader",
                    "--ignore-gpu-blocklist",
                ]
                + ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic"],
            )
            login = browser.new_context()
            page = login.new_page()
            page.goto(f"{base}/")
            page.fill("#id_username", OFFICER)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_function(USABLE, timeout=120_000)
            state = login.storage_state()
            login.close()
            fast = first_load(browser, base, state, throttled=False)
            slow = [first_load(browser, base, state, throttled=True) for _ in range(args.runs)]
            browser.close()
        report(fast, slow)
    finally:
        if gunicorn is not None:
            stop_gunicorn(gunicorn)
        drop_database(SCRATCH)
        shutil.rmtree(static_root, ignore_errors=True)
        shutil.rmtree(media_root, ignore_errors=True)


def report(fast: dict, slow: list[dict]) -> None:
    def kb(n):
        return f"{n / 1024:,.1f} KB"

    times = sorted(run["usable_ms"] / 1000 for run in slow)
    layers = ", ".join(sorted({t.split("/")[2] for t in fast["tiles"]}))
    lines = [
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (shared), "
        f"Chromium {subprocess.run([CHROMIUM, '--version'], capture_output=True, text=True).stdout.strip()}.",
        "",
        "| what | requests | bytes on the wire | content-encoding |",
        "|---|---:|---:|---|",
    ]
    for kind, (size, count, encodings) in sorted(fast["by_kind"].items(), key=lambda item: -item[1][0]):
        lines.append(f"| {kind} | {count} | {kb(size)} | {', '.join(sorted(encodings))} |")
    verdict = "under" if fast["total"] < GOAL_BYTES else "OVER"
    lines += [
        f"| **total** | **{fast['requests']}** | **{kb(fast['total'])}** | goal < 400 KB: {verdict} |",
        "",
        f"Throttled runs (the same page): {', '.join(kb(run['total']) for run in slow)}; "
        f"requests to anything but the test server: {len(fast['outside']) + sum(len(r['outside']) for r in slow)}.",
        f"Tiles fetched for the view: {len(fast['tiles'])} ({layers}).",
        f"Time to a usable map at {KBIT} kbit/s and {RTT_MS} ms round trip, {len(times)} runs: "
        f"median {statistics.median(times):.1f} s (runs: {', '.join(f'{t:.1f}' for t in times)} s).",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
