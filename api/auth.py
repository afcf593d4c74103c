"""Who is asking, for the plain-Django publishing endpoints: a session, or HTTP Basic (what GDAL and QGIS send)."""

import base64
import binascii

from django.contrib.auth import authenticate


def request_user(request):
    """The logged-in user, or the user named by valid HTTP Basic credentials, or AnonymousUser."""
    if request.user.is_authenticated:
        return request.user
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.lower().startswith("basic "):
        try:
            username, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return request.user
        user = authenticate(request, username=username, password=password)
        if user is not None and user.is_active:
            request.user = user
    return request.user
