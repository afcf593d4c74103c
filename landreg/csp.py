"""The Content-Security-Policy of every response: scripts only from our own origin, plus a nonce that changes with
each request for the few inline scripts a template still needs (`<script nonce="{{ request.csp_nonce }}">`).
An inline script without it, an inline event handler (onclick=...) or a script from elsewhere does not run.

MapLibre draws tiles in workers made from blob: URLs, and images from data: and blob: URLs; tiles and the APIs are
same-origin. An optional internet basemap (LANDREG_BASEMAP_URL) adds its origin to images and fetches. Styles keep
'unsafe-inline': the admin's change lists, the DRF browsable API and Swagger UI write style attributes and
<style> elements in their own templates (docs/operations.md, "HTTPS and security headers")."""

import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings


@lru_cache(maxsize=8)
def basemap_origin(url: str) -> str:
    """The origin of an XYZ tile URL template, as a CSP source: "https://{a-c}.tile.example/{z}/{x}/{y}.png" gives
    "https://*.tile.example". Empty when there is no basemap or the URL has no scheme and host."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc.rpartition("@")[2]
    labels = host.split(".")
    labels = ["*" if "{" in label or "}" in label else label for label in labels]
    return f"{parts.scheme}://{'.'.join(labels)}"


def policy(nonce: str) -> str:
    extra = basemap_origin(settings.LANDREG_BASEMAP_URL)
    extra = f" {extra}" if extra else ""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "worker-src 'self' blob:",
            "child-src 'self' blob:",
            f"img-src 'self' data: blob:{extra}",
            f"connect-src 'self'{extra}",
            "style-src 'self' 'unsafe-inline'",
            "font-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Gives each request a fresh nonce (request.csp_nonce) and each response the policy above, unless a view set
    its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(18)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy(request.csp_nonce)
        return response
