"""The layout mapping form speaks the reader's language, help texts included."""

from django.utils import translation

from webmap.layouts.forms import LayoutMappingForm


def test_the_help_on_use_spellings_is_in_the_readers_language():
    help_text = LayoutMappingForm.base_fields["use_values"].help_text
    with translation.override("fa"):
        assert str(help_text).startswith("در هر سطر یکی")
    with translation.override("en"):
        assert str(help_text).startswith("One per line, e.g. RES=residential. Uses: residential")
