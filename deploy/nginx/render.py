"""Write landreg's nginx site file from the template deploy/nginx/landreg.conf, with the values Django's settings hold
(the upload limit, the session cookie, the static folder, the tile signing key) and the server's own (options).

    .venv/bin/python deploy/nginx/render.py --server-name landreg.mrr.gov.af > /etc/nginx/sites-available/landreg

Run it with the server's environment (/etc/landreg/env), so the limits are the ones gunicorn enforces, and again
after changing LANDREG_MAX_UPLOAD_BYTES or LANDREG_TILE_SIGNING_KEY. The tests render it the same way.
"""

import argparse
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TEMPLATE = HERE / "landreg.conf"
MULTIPART_ENVELOPE = 1024 * 1024  # the form's boundaries and other fields around the largest file
SIGNED_BLOCK = re.compile(r"\n *# BEGIN signed tiles\n.*?# END signed tiles\n", re.S)


def render(
    *,
    server_name: str,
    upstream: str = "unix:/run/landreg/gunicorn.sock",
    http_port: int = 80,
    https_port: int = 443,
    certificate: str = "/etc/landreg/tls/fullchain.pem",
    certificate_key: str = "/etc/landreg/tls/privkey.pem",
    cache_dir: str = "/var/cache/nginx/landreg-tiles",
    gate_cache_dir: str = "/run/nginx-landreg-gate",
    log_dir: str = "/var/log/nginx",
) -> str:
    """The site file, for the settings of the running environment (django.setup() must have run)."""
    from django.conf import settings

    values = {
        "SERVER_NAME": server_name,
        "UPSTREAM": upstream,
        "HTTP_PORT": str(http_port),
        "HTTPS_PORT": str(https_port),
        "HTTPS_SUFFIX": "" if https_port == 443 else f":{https_port}",
        "CERTIFICATE": certificate,
        "CERTIFICATE_KEY": certificate_key,
        "STATIC_ROOT": str(settings.STATIC_ROOT).rstrip("/"),
        "CACHE_DIR": cache_dir,
        "GATE_CACHE_DIR": gate_cache_dir,
        "LOG_DIR": log_dir,
        "MAX_BODY": str(settings.LANDREG_MAX_UPLOAD_BYTES + MULTIPART_ENVELOPE),
        "SESSION_COOKIE": settings.SESSION_COOKIE_NAME,
        "TILE_SIGNING_KEY": settings.LANDREG_TILE_SIGNING_KEY,
    }
    text = TEMPLATE.read_text()
    if not settings.LANDREG_TILE_SIGNING_KEY:
        text = SIGNED_BLOCK.sub("\n", text)
    for name, value in values.items():
        if re.search(r"[;{}'\"\n]", value) or (name != "SERVER_NAME" and re.search(r"\s", value)):
            raise ValueError(f"{name} cannot hold spaces, quotes, braces or semicolons in an nginx file: {value!r}")
    # Comments keep the placeholders' names (the header lists them); every other line has them filled.
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.lstrip().startswith("#"):
            line = re.sub(r"@([A-Z_]+)@", lambda m: values.get(m.group(1), m.group(0)), line)
            if left := re.findall(r"@[A-Z_]+@", line):
                raise ValueError(f"placeholders left unfilled: {', '.join(left)}")
        lines.append(line)
    return "".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-name", required=True, help="the public host name, as in the certificate")
    parser.add_argument("--upstream", default="unix:/run/landreg/gunicorn.sock")
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--certificate", default="/etc/landreg/tls/fullchain.pem")
    parser.add_argument("--certificate-key", default="/etc/landreg/tls/privkey.pem")
    parser.add_argument("--cache-dir", default="/var/cache/nginx/landreg-tiles")
    parser.add_argument("--gate-cache-dir", default="/run/nginx-landreg-gate")
    parser.add_argument("--log-dir", default="/var/log/nginx")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")
    import django

    django.setup()
    sys.stdout.write(render(**{k: v for k, v in vars(args).items()}))


if __name__ == "__main__":
    main()
