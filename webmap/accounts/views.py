"""landreg's own login and logout pages, where each role lands after login, and the lock-out answer."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import ngettext

from landreg import roles
from landreg.roles import has_role


def landing_url(user) -> str:
    """Where a user starts: officers and committee members on the map, field officers in the field app,
    administrators in the admin, partners on "Data for partners" (what their agreements let them download)."""
    if has_role(user, roles.LAND_OFFICER, roles.COMMITTEE_MEMBER, roles.GIS_SPECIALIST) and not user.is_superuser:
        return reverse("map")
    if user.is_superuser or has_role(user, roles.ADMINISTRATOR):
        return reverse("admin:index")
    if has_role(user, roles.FIELD_OFFICER):
        return reverse("field-shell")
    if has_role(user, roles.PARTNER):
        return reverse("partner-data")
    return reverse("map")


class LoginView(auth_views.LoginView):
    """The login form for every role; lock-out after repeated failures is applied by django-axes inside
    authenticate(), which the form calls with the request."""

    template_name = "webmap/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return landing_url(self.request.user)


class LogoutView(auth_views.LogoutView):
    """Logout, by POST only (a link or an image on another site cannot log anybody out)."""


def _cool_off_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_message() -> str:
    minutes = _cool_off_minutes()
    return ngettext(
        "Too many failed logins for this user name or from this address. Try again in %(minutes)d minute, "
        "or ask an administrator to lift the lock-out.",
        "Too many failed logins for this user name or from this address. Try again in %(minutes)d minutes, "
        "or ask an administrator to lift the lock-out.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The answer to a refused login of a locked-out user or address (AXES_LOCKOUT_CALLABLE): the login page
    with the sentence for a person at a login form, the sentence alone for a program sending HTTP Basic
    (JSON under /api/ and /ogc/, plain text for WFS and tiles). 429, with the wait in Retry-After."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    message = lockout_message()
    if request.headers.get("Authorization", "").lower().startswith("basic "):
        if request.path.startswith(("/api/", "/ogc")):
            response = JsonResponse({"detail": message}, status=status)
        else:
            response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    else:
        username = (credentials or {}).get("username") or request.POST.get("username", "")
        form = AuthenticationForm(request, initial={"username": str(username)[:150]})
        context = {"form": form, "locked_out": message, "next": request.POST.get("next", "")}
        response = render(request, "webmap/login.html", context, status=status)
    response["Retry-After"] = str(_cool_off_minutes() * 60)
    return response
