"""Start and stop gunicorn against a scratch database for a benchmark (127.0.0.1 only)."""

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    database_url: str, workers: int, port: int, log, *, probe: str, env: dict | None = None, root: Path = ROOT
):
    """gunicorn on 127.0.0.1:port serving database_url, once `probe` answers; its own process group. `root`: the
    tree to serve (another copy, to measure a change against the code before it)."""
    process = subprocess.Popen(
        [str(root / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--workers", str(workers)]
        + ["--bind", f"127.0.0.1:{port}", "--timeout", "120"]
        # Each server without a control socket: gunicorn 24+ puts every one at ~/.gunicorn/gunicorn.ctl, so a
        # second server (make run, a test stack) would replace or delete this one's.
        + ["--no-control-socket"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), "DATABASE_URL": database_url, "DEBUG": "false", **(env or {})},
        stdout=log,
        stderr=log,
        start_new_session=True,  # its own process group, so that we stop exactly it and its workers
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log.name}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", probe)
            conn.getresponse().read()
            conn.close()
            return process
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within 90 s; see {log.name}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
