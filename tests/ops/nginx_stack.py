"""nginx in front of gunicorn for the tests, as on a server: the site file rendered from deploy/nginx/landreg.conf by
deploy/nginx/render.py, a self-signed certificate made by openssl, everything under one temporary folder and on
local ports. gunicorn serves the test database with the production switches (DEBUG off, HTTPS=true, one trusted
proxy); its access log tells which requests reached Django."""

import http.client
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
NGINX = "/usr/sbin/nginx"
TILE_SIGNING_KEY = "test-tile-signing-key-0123456789"
# The largest upload the test stack accepts, small so the test need not send much (nginx answers 413 on the
# Content-Length alone).
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (it is its own authority), and its key."""
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    return certificate, key


def database_url_of(name: str) -> str:
    """DATABASE_URL with the test database's name."""
    url = urllib.parse.urlparse(os.environ["DATABASE_URL"])
    return urllib.parse.urlunparse(url._replace(path=f"/{name}"))


def wait_for(port: int, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on {port} within 60 s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen | None) -> None:
    """Stop a process started in its own session, and its children (gunicorn's workers, nginx's)."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass
class Stack:
    folder: Path
    http_port: int
    https_port: int
    gunicorn_port: int
    certificate: Path
    gunicorn_log: Path
    nginx_access_log: Path
    static_root: Path
    media_root: Path
    processes: list

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))

    def https(self, method: str, path: str, headers=None, body=None) -> tuple[http.client.HTTPResponse, bytes]:
        conn = http.client.HTTPSConnection("localhost", self.https_port, context=self.tls_context(), timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()

    def http(self, method: str, path: str, headers=None) -> tuple[http.client.HTTPResponse, bytes]:
        conn = http.client.HTTPConnection("localhost", self.http_port, timeout=60)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()

    def django_requests(self, path_prefix: str) -> int:
        """How many requests whose path starts with path_prefix gunicorn has answered (its access log)."""
        lines = self.gunicorn_log.read_text().splitlines() if self.gunicorn_log.exists() else []
        return sum(1 for line in lines if f'"GET {path_prefix}' in line or f'"HEAD {path_prefix}' in line)


def nginx_main_config(folder: Path, site: Path) -> str:
    """A private nginx.conf: every path under `folder`, run as root (the tests' user), in the foreground."""
    temp = folder / "temp"
    return f"""
user root;
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    gzip on;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site};
}}
"""


def start_stack(folder: Path, database_name: str, *, env: dict | None = None) -> Stack:
    """gunicorn on database_name (the test database), then nginx in front with the rendered site file; `env`
    overrides gunicorn's environment. Stop it with stop_stack."""
    from django.test import override_settings

    sys.path.insert(0, str(ROOT / "deploy" / "nginx"))
    from render import render  # deploy/nginx/render.py

    (folder / "temp").mkdir(parents=True)
    static_root, media_root = folder / "static", folder / "media"
    (static_root / "landreg").mkdir(parents=True)
    media_root.mkdir()
    certificate, key = make_certificate(folder)
    stack = Stack(
        folder=folder,
        http_port=free_port(),
        https_port=free_port(),
        gunicorn_port=free_port(),
        certificate=certificate,
        gunicorn_log=folder / "gunicorn-access.log",
        nginx_access_log=folder / "landreg.access.log",
        static_root=static_root,
        media_root=media_root,
        processes=[],
    )
    try:
        gunicorn_errors = folder / "gunicorn.log"
        with gunicorn_errors.open("w") as log:
            gunicorn = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{stack.gunicorn_port}"]
                + ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--no-control-socket"]
                + ["--access-logfile", str(stack.gunicorn_log)],
                cwd=ROOT,
                env={
                    **os.environ,
                    "DATABASE_URL": database_url_of(database_name),
                    "DB_CONN_MAX_AGE": "0",  # the test database is flushed between tests: hold no connection
                    "DEBUG": "false",
                    "HTTPS": "true",
                    "LANDREG_TRUSTED_PROXY_COUNT": "1",
                    "ALLOWED_HOSTS": "localhost,127.0.0.1",
                    "MEDIA_ROOT": str(media_root),
                    "STATIC_ROOT": str(static_root),
                    "LANDREG_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
                    **(env or {}),
                },
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        stack.processes.append(gunicorn)
        wait_for(stack.gunicorn_port, gunicorn, gunicorn_errors, "gunicorn")

        site = folder / "landreg.conf"
        limits = {"LANDREG_MAX_UPLOAD_BYTES": MAX_UPLOAD_BYTES, "LANDREG_TILE_SIGNING_KEY": TILE_SIGNING_KEY}
        with override_settings(STATIC_ROOT=static_root, **limits):
            site.write_text(
                render(
                    server_name="localhost",
                    upstream=f"127.0.0.1:{stack.gunicorn_port}",
                    http_port=stack.http_port,
                    https_port=stack.https_port,
                    certificate=str(certificate),
                    certificate_key=str(key),
                    cache_dir=str(folder / "tile-cache"),
                    gate_cache_dir=str(folder / "gate-cache"),
                    log_dir=str(folder),
                )
            )
        main = folder / "nginx.conf"
        main.write_text(nginx_main_config(folder, site))
        errors = folder / "error.log"
        check = subprocess.run(
            [NGINX, "-t", "-p", str(folder), "-c", str(main), "-e", str(errors)], capture_output=True, text=True
        )
        if check.returncode:
            raise RuntimeError(f"nginx -t refused the rendered configuration:\n{check.stderr}")
        with (folder / "nginx.out").open("w") as out:
            nginx = subprocess.Popen(
                [NGINX, "-p", str(folder), "-c", str(main), "-e", str(errors)],
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        stack.processes.append(nginx)
        wait_for(stack.https_port, nginx, errors, "nginx")
        wait_for(stack.http_port, nginx, errors, "nginx")
    except BaseException:
        stop_stack(stack)
        raise
    return stack


def stop_stack(stack: Stack) -> None:
    for process in reversed(stack.processes):
        stop(process)
