"""Occupation search over ISCO-08 in English, Dari and Pashto, by code, and near a misspelling."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from livelihoods.selectors import occupation_label, occupations_search


def codes(rows):
    return [r.code for r in rows]


def test_a_code_prefix_finds_its_unit_groups(users):
    found = codes(occupations_search(users["officer_nangarhar"], "711"))
    assert found[:2] == ["7111", "7112"] and all(c.startswith("711") for c in found)


def test_english_dari_and_pashto_words_find_the_carpenter(users):
    assert "7115" in codes(occupations_search(users["officer_nangarhar"], "carpent"))
    assert codes(occupations_search(users["officer_nangarhar"], "نجار")) == ["7115"]
    assert codes(occupations_search(users["officer_nangarhar"], "ترکاڼ")) == ["7115"]


def test_arabic_keyboard_letters_find_dari_titles(users):
    # "دکاندار" typed with an Arabic kaf
    assert "5221" in codes(occupations_search(users["officer_nangarhar"], "دكاندار"))


def test_a_misspelling_finds_near_titles(users):
    assert "7126" in codes(occupations_search(users["officer_nangarhar"], "plumbrs"))


def test_the_label_follows_the_language_and_falls_back_to_english(users):
    from django.utils import translation

    carpenter = occupations_search(users["officer_nangarhar"], "7115")[0]
    with translation.override("ps"):
        assert occupation_label(carpenter) == "ترکاڼ"
    physicist = occupations_search(users["officer_nangarhar"], "2111")[0]
    with translation.override("fa"):
        assert occupation_label(physicist) == "Physicists and astronomers"


def test_search_needs_a_signed_in_user(db):
    with pytest.raises(PermissionDenied):
        occupations_search(AnonymousUser(), "carpenter")
