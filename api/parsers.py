"""Request parsers that refuse, before a view sees it, a NUL character in any text (PostgreSQL cannot store one, and
a request refused whole leaves nothing half-written) and a JSON body that is not an object (every operation of the
API takes an object; a view reading fields from a list or a number failed with a 500). Files in a multipart upload
are not text and may hold any byte; their names and the form's fields may not."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

NUL = "\x00"


def _where_nul(value, path: str = "") -> str | None:
    """The place of the first NUL character in parsed request data (`household.head.name`), or None."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, bytes):
        return path if b"\x00" in value else None
    if hasattr(value, "lists"):  # a QueryDict: every value of every key
        value = {key: values for key, values in value.lists()}
    if isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            here = f"{path}.{key_text}" if path else key_text
            if NUL in key_text:
                return here
            if (found := _where_nul(item, here)) is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if (found := _where_nul(item, f"{path}[{index}]" if path else f"[{index}]")) is not None:
                return found
    return None


def refuse_nul(data, files=None) -> None:
    """Raise a 400 naming where a NUL character is, in the data or in an uploaded file's name."""
    where = _where_nul(data)
    if where is None and files:
        where = next((name for name, upload in files.items() if NUL in (upload.name or "")), None)
    if where is not None:
        raise ParseError(
            _("The request holds a NUL character (\\u0000) in %(where)s, which no text may contain: remove it.")
            % {"where": where.replace(NUL, "\\u0000") or _("the body")}
        )


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ParseError(
                _("The request body must be a JSON object, with the fields between { and }, not %(kind)s.")
                % {"kind": _("a list") if isinstance(data, list) else _("a single value")}
            )
        refuse_nul(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        refuse_nul(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        refuse_nul(parsed.data, parsed.files)
        return parsed
