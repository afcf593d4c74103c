"""Names in the reader's language: provinces and townships carry English, Dari and Pashto names."""

from django.utils import translation

# Field suffixes by Django language code; Dari is stored as *_prs (its ISO 639-3 code), Pashto as *_ps.
_SUFFIX = {"fa": "prs", "ps": "ps"}


def local_name(obj, language: str | None = None) -> str:
    """obj.name_prs in Dari, obj.name_ps in Pashto (falling back to Dari, then English), else English."""
    if obj is None:
        return ""
    english = getattr(obj, "name_en", None) or getattr(obj, "name", "") or str(obj)
    language = (language or translation.get_language() or "en").split("-")[0]
    if language == "ps":
        return getattr(obj, "name_ps", "") or getattr(obj, "name_prs", "") or english
    if language == "fa":
        return getattr(obj, "name_prs", "") or english
    return english


def choice_label(choices, code: str) -> str:
    """The translated label of a model choice (`choice_label(Plot.Use, "green")`); the code itself, spaced, for a
    value the choices do not know."""
    try:
        return str(choices(code).label)
    except ValueError:
        return (code or "").replace("_", " ")
