"""How the OGC API answers: JSON documents, and every refusal as a problem document (RFC 7807) that says what to
fix, never a 500 for a bad request."""

from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.errors import validation_error_body

GEOJSON = "application/geo+json"
LOG_IN = gettext_lazy("Log in (session or HTTP Basic) to read the published layers.")
TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    412: "Precondition failed",
    428: "Precondition required",
    415: "Unsupported media type",
    401: "Unauthorized",
}


class Refused(Exception):
    def __init__(self, status: int, detail: str, **extra):
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def json_response(body, status=200, content_type="application/json", headers=None) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = content_type
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def problem(status: int, detail: str, **extra) -> JsonResponse:
    body = {"title": TITLES.get(status, "Error"), "status": status, "detail": detail, **extra}
    response = json_response(body, status=status, content_type="application/problem+json")
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="landreg"'
    return response


def problems(view):
    """Turn refusals into problem responses: never a 500 for a bad request."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            if any("\x00" in key + "".join(given) for key, given in request.GET.lists()):
                raise Refused(400, _("The request contains a NUL character; remove it."))
            return view(request, *args, **kwargs)
        except Refused as exc:
            return problem(exc.status, exc.detail, **exc.extra)
        except PermissionDenied as exc:
            return problem(403, str(exc) or _("You may not do this."))
        except ValidationError as exc:
            body, status = validation_error_body(exc)
            errors = {("geometry" if name == "geom" else name): e for name, e in body["errors"].items()}  # as published
            return problem(status, body["detail"], rules=body["codes"], errors=errors)

    return wrapped


def base_url(request) -> str:
    return request.build_absolute_uri("/ogc").rstrip("/")


def options_response(allowed: list[str]) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Allow"] = ", ".join(allowed)
    response["Access-Control-Allow-Methods"] = response["Allow"]
    return response
