"""Pseudonymous household codes in partner exports: a keyed hash under a key of each agreement, never the code
printed on letters and deeds; codes of one agreement cannot be linked to another's, nor across a rotated key."""

import csv
import hashlib
import hmac
import io
import re

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from landreg import roles
from landreg.models import DataSharingAgreement, PseudonymKey
from landreg.services import user_create
from landreg.sharing import pseudonym, pseudonym_key_of
from partners import exports
from tests.landreg.test_data_sharing import START, agreement_create

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")  # Crockford base32


@pytest.fixture
def households(make_household):
    return [make_household() for _ in range(8)]


@pytest.fixture
def two_agreements(users, provinces):
    """The partner's agreement for Nangarhar, and a second partner organisation's for the same province."""
    other = user_create(username="partner.wfp", password="x", roles=[roles.PARTNER], national=True)
    return (
        agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]]),
        agreement_create(users=[other], provinces=[provinces["nangarhar"]], reference="DSA-2026-002"),
    )


def codes_under(agreement, user, province) -> list[str]:
    data = exports.partner_dataset(user=user, dataset="household_records", province=province, agreement=agreement)
    rows = list(csv.reader(io.StringIO("".join(exports.csv_lines(data)))))[2:]
    return [row[0] for row in rows]


def test_partners_get_readable_codes_that_are_not_the_printed_ones(users, provinces, households, two_agreements):
    codes = codes_under(two_agreements[0], users["partner"], provinces["nangarhar"])
    assert len(codes) == len(set(codes)) == len(households)
    assert all(CODE.match(c) for c in codes), codes
    assert not {h.code for h in households} & set(codes)
    # In the order of the pseudonyms, not of registration (which would line up with the printed codes).
    assert codes == sorted(codes)


def test_the_same_agreement_gives_the_same_codes_every_time(users, provinces, households, two_agreements):
    first = codes_under(two_agreements[0], users["partner"], provinces["nangarhar"])
    assert codes_under(two_agreements[0], users["partner"], provinces["nangarhar"]) == first
    assert PseudonymKey.objects.count() == 1


def test_two_agreements_give_codes_that_cannot_be_linked(users, provinces, households, two_agreements):
    one, two = two_agreements
    wfp = DataSharingAgreement.objects.get(reference="DSA-2026-002").users.get()
    assert not set(codes_under(one, users["partner"], provinces["nangarhar"])) & set(
        codes_under(two, wfp, provinces["nangarhar"])
    )
    assert bytes(one.pseudonym_key.key) != bytes(two.pseudonym_key.key)


def test_rotating_the_key_gives_new_codes(users, provinces, households, two_agreements):
    agreement = two_agreements[0]
    before = codes_under(agreement, users["partner"], provinces["nangarhar"])
    call_command("pseudonym_keys", rotate=agreement.reference, stdout=io.StringIO())
    after = codes_under(agreement, users["partner"], provinces["nangarhar"])
    assert len(after) == len(before) and not set(before) & set(after)


def test_the_keys_of_ended_agreements_are_forgotten(users, provinces, households):
    ended = agreement_create(
        users=[users["partner"]],
        provinces=[provinces["nangarhar"]],
        valid_from=START.replace(year=START.year - 3),
        valid_until=START.replace(year=START.year - 2),
    )
    current = agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], reference="DSA-2")
    pseudonym_key_of(ended), pseudonym_key_of(current)
    out = io.StringIO()
    call_command("pseudonym_keys", forget_ended=True, stdout=out)
    assert "DSA-2026-001" in out.getvalue()
    assert list(PseudonymKey.objects.values_list("agreement", flat=True)) == [current.pk]


def test_an_administrators_check_uses_a_key_of_its_own(users, provinces, households, two_agreements):
    partner = set(codes_under(two_agreements[0], users["partner"], provinces["nangarhar"]))
    admin = codes_under(None, users["admin"], provinces["nangarhar"])
    assert all(CODE.match(c) for c in admin) and not partner & set(admin)
    assert PseudonymKey.objects.count() == 1  # the administrator's key was for that export only


def test_the_key_is_kept_out_of_history_and_the_gis_logins(users, provinces, two_agreements):
    key = pseudonym_key_of(two_agreements[0])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'landreg_datasharingagreementevent'"
        )
        assert "key" not in {name for (name,) in cursor.fetchall()}
        for role in ("landreg_reader", "landreg_gis_editor"):
            cursor.execute("SELECT has_table_privilege(%s, 'landreg_pseudonymkey', 'SELECT')", [role])
            assert cursor.fetchone() == (False,), role
    assert key.hex() not in str(PseudonymKey.objects.get())


def test_the_database_refuses_a_short_key(two_agreements):
    with pytest.raises(IntegrityError, match="pseudonym_key_is_32_bytes"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO landreg_pseudonymkey (agreement_id, key, created_at) VALUES (%s, '\\x0102'::bytea, now())",
                [two_agreements[0].pk],
            )


def test_the_database_refuses_one_key_for_two_agreements(two_agreements):
    one, two = two_agreements
    pseudonym_key_of(one)
    with pytest.raises(IntegrityError, match="pseudonym_key_is_one_agreements_only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO landreg_pseudonymkey (agreement_id, key, created_at) "
                "SELECT %s, key, now() FROM landreg_pseudonymkey WHERE agreement_id = %s",
                [two.pk, one.pk],
            )


def test_the_code_is_60_bits_of_an_hmac_sha256_of_the_household_id():
    key = bytes(range(32))
    digest = hmac.new(key, b"household:42", hashlib.sha256).digest()
    bits = format(int.from_bytes(digest[:8]), "064b")[:60]
    expected = "".join("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[int(bits[i : i + 5], 2)] for i in range(0, 60, 5))
    assert pseudonym(key, 42) == f"{expected[:4]}-{expected[4:8]}-{expected[8:]}"
    assert pseudonym(key, 42) != pseudonym(key, 43) and pseudonym(bytes(32), 42) != pseudonym(key, 42)
