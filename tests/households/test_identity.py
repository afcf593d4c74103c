"""Tazkira and PoR numbers are kept as a keyed hash plus the last digits, and still find duplicates."""

from households.identity import id_number_hash, normalise_id_number
from households.models import Person
from households.services import persons_with_id_number


def test_numbers_typed_in_dari_digits_or_with_dashes_match():
    assert normalise_id_number("۱۴۰۰-۰۱۰۱-۲۳۴۵۶") == "1400010123456"
    assert id_number_hash("1400-0101-23456") == id_number_hash("۱۴۰۰ ۰۱۰۱ ۲۳۴۵۶")


def test_the_number_is_not_stored_in_clear_but_an_exact_duplicate_is_found(make_household):
    make_household(head={"name": "Gul Agha", "father_name": "Noor", "sex": "m", "tazkira": "1400-0101-23456"})
    stored = Person.objects.values_list("tazkira_hash", "tazkira_last4").get()
    assert "1400010123456" not in str(stored) and stored[1] == "3456"
    assert persons_with_id_number("۱۴۰۰۰۱۰۱۲۳۴۵۶").get().name == "Gul Agha"
    assert not persons_with_id_number("1400-0101-99999").exists()


def test_the_hash_depends_on_the_key(settings):
    first = id_number_hash("123456")
    settings.ID_HASH_KEY = "another key"
    assert id_number_hash("123456") != first
