"""What a person types for a reference, read as the stored reference (grievances/references.py)."""

import pytest

from grievances.references import normalise


@pytest.mark.parametrize(
    "typed",
    ["G-XK7M-4P2Q", "g-xk7m-4p2q", "g xk7m 4p2q", "GXK7M4P2Q", "XK7M4P2Q", " xk7m-4p2q ", "G-XK7M-۴P۲Q", "xk7m٤p٢q"],
)
def test_any_way_of_typing_a_reference_finds_it(typed):
    assert normalise(typed) == "G-XK7M-4P2Q"


def test_a_reference_starting_with_g_is_not_cut_short():
    assert normalise("GABC-DEFG") == "G-GABC-DEFG"


@pytest.mark.parametrize(
    "typed",
    ["", "G-0000-0000", "G-XK7M-4P", "G-XK7M-4P2QQ", "G-OIL1-XXXX", "G-XK7M\x00-4P2Q9", "<script>", "a" * 5000, None],
)
def test_anything_else_is_no_reference_at_all(typed):
    assert normalise(typed) == ""
