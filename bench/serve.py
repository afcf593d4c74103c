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


def start_gunicorn(database_url: str, workers: int, port: int, log, *, probe: str, env: dict | None = None):
    """gunicorn on 127.0.0.1:port serving database_url, once `probe` answers; its own process group."""
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--workers", str(workers)]
        + ["--bind", f"127.0.0.1:{port}", "--timeout", "120"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "DEBUG": "false", **(env or {})},
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
