"""Letters and deeds: numbered PDFs that read right in English, Dari and Pashto, with a QR code whose page
says whether the document is valid, superseded or revoked, and never names the household."""

import hashlib
import re
import subprocess
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError

from allocations.documents import (
    document_current,
    document_from_token,
    document_issue,
    document_print,
    document_standing,
    document_verification_token,
)
from allocations.models import AllocationDocument
from allocations.services import allocation_propose, allocation_transition
from townships.models import Township

HEAD = {"name": "Gul Ahmad", "father_name": "Abdul Karim", "sex": "m"}
HEAD_DARI = {"name": "گل احمد", "father_name": "عبدالکریم", "sex": "m"}
PUBLIC_URL = "https://landreg.example.org"
# pdftotext wraps right-to-left runs in bidi control characters; the words between them are what a reader sees.
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(autouse=True)
def media_and_public_url(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANDREG_PUBLIC_URL = PUBLIC_URL


@pytest.fixture
def allocation_at(plots, make_household, users, field_officer):
    """An allocation of plot 1 walked along the workflow to the given status, the way officers do it."""
    Township.objects.filter(pk=plots[1].township_id).update(name_prs="شهرک آزمایشی")
    officer = users["officer_nangarhar"]

    def walk(status, head=HEAD):
        allocation = allocation_propose(household=make_household(head=head), plot=plots[1], proposed_by=officer)
        on_the_plot = plots[1].geom.point_on_surface
        steps = [
            ("approve", users["committee"], {"reference": "NAN-CMT-2026-014"}),
            ("assign", officer, {}),
            ("issue_letter", officer, {}),
            ("hand_over", field_officer, {"point": on_the_plot, "accuracy_m": 5}),
            ("confirm_occupancy", field_officer, {}),
            ("title", officer, {}),
        ]
        for action, user, details in steps:
            if allocation.status == status:
                break
            allocation = allocation_transition(allocation=allocation, action=action, by=user, **details)
        assert allocation.status == status
        return allocation

    return walk


def pdf_text(document: AllocationDocument) -> str:
    """The text a reader (or a screen reader, or a search) gets out of the PDF, words in logical order."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", document.file.path, "-"], capture_output=True, check=True)
    return " ".join(BIDI_CONTROLS.sub("", out.stdout.decode()).split())


def qr_url(document: AllocationDocument, tmp_path) -> str:
    """Print the first page at 200 dpi and scan its QR code, as a phone would."""
    png = tmp_path / f"{document.number}.png"
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile", document.file.path, str(png)[:-4]],
        check=True,
    )
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, check=True)
    return out.stdout.decode().strip()


def issue(allocation, users, kind="letter", language="en", **reissue):
    return document_issue(allocation=allocation, kind=kind, language=language, by=users["officer_nangarhar"], **reissue)


def test_a_letter_in_english_names_the_household_and_the_plot(allocation_at, users):
    document = issue(allocation_at("letter_issued"), users)
    assert document.number == "NAN-TEST-L-000001"
    text = pdf_text(document)
    assert "Allocation letter" in text
    assert "Gul Ahmad" in text and "Abdul Karim" in text
    assert "Plot number 1 " in text and "Block A " in text
    assert "500.00 m² (5.00 biswa)" in text
    assert "NAN-TEST-L-000001" in text and "NAN-CMT-2026-014" in text
    assert re.search(r"Issued: \d+ (Hamal|Sawr|Jawza|Saratan|Asad|Sonbola|Mizan|Aqrab|Qaws|Jadi|Dalw|Hut) 14\d\d", text)


def test_the_stored_file_is_the_hashed_pdf(allocation_at, users, settings):
    document = issue(allocation_at("letter_issued"), users)
    data = document.file.read()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == document.sha256
    assert document.file.path.startswith(str(settings.MEDIA_ROOT))
    assert document.file.name.endswith("NAN-TEST-L-000001.pdf")


def test_a_deed_in_dari_reads_right_to_left_in_logical_order(allocation_at, users):
    document = issue(allocation_at("titled", head=HEAD_DARI), users, kind="deed", language="fa")
    assert document.number == "NAN-TEST-D-000001"
    text = pdf_text(document)
    # Words come out in reading order (not reversed, not as isolated letter forms).
    assert "سند ملکیت نمره زمین" in text
    assert "گل احمد" in text and "عبدالکریم" in text
    assert "شهرک آزمایشی" in text
    assert "شماره نمره ۱" in text
    assert "۵۰۰٫۰۰" in text and "متر مربع" in text and "۵٫۰۰" in text and "بسوه" in text
    assert re.search("(حمل|ثور|جوزا|سرطان|اسد|سنبله|میزان|عقرب|قوس|جدی|دلو|حوت) ۱۴[۰-۹]{2}", text)
    assert "NAN-TEST-D-000001" in text and "HH-0001" in text


def test_a_letter_in_pashto_uses_pashto_letters(allocation_at, users):
    text = pdf_text(issue(allocation_at("handed_over", head=HEAD_DARI), users, language="ps"))
    assert "د ځمکې د نمرې د وېش لیک" in text
    assert "د کورنۍ مشر گل احمد" in text
    assert "د نمرې شمېره ۱" in text


def test_the_qr_code_leads_to_a_page_that_follows_the_documents_standing(allocation_at, users, client, tmp_path):
    allocation = allocation_at("letter_issued")
    first = issue(allocation, users)
    url = qr_url(first, tmp_path)
    assert url.startswith(PUBLIC_URL + "/verify/")
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    assert "VALID" in page.text and "NAN-TEST-L-000001" in page.text and "500.00 m²" in page.text

    second = issue(allocation, users, language="fa", reissue_reason="lost")
    assert document_standing(first) == "superseded"
    superseded = client.get(urlsplit(url).path).text
    assert "SUPERSEDED" in superseded and "reported lost" in superseded
    second_page = client.get(urlsplit(qr_url(second, tmp_path)).path).text
    assert "VALID" in second_page and "NAN-TEST-L-000002" in second_page

    allocation_transition(allocation=allocation, action="revoke", by=users["officer_nangarhar"], reason_code="error")
    assert document_standing(first) == document_standing(second) == "revoked"
    revoked = client.get(urlsplit(url).path).text
    assert "REVOKED" in revoked
    for page_text in (page.text, second_page, revoked):
        assert "Gul Ahmad" not in page_text and "Abdul Karim" not in page_text and "HH-0001" not in page_text


def test_printing_in_another_language_keeps_the_number_and_supersedes_nothing(allocation_at, users, tmp_path):
    allocation = allocation_at("letter_issued")
    letter = issue(allocation, users, language="en")
    officer = users["officer_nangarhar"]
    dari, printed = document_print(document=letter, language="fa", by=officer)
    pashto, _ = document_print(document=letter, language="ps", by=officer)
    assert document_standing(letter) == "valid"
    assert AllocationDocument.objects.count() == 1
    assert [(p.language, p.printed_by) for p in letter.prints.all()] == [
        ("en", officer),
        ("fa", officer),
        ("ps", officer),
    ]
    assert printed.sha256 == hashlib.sha256(dari).hexdigest()
    for pdf, words in ((dari, ["مکتوب توزیع نمره زمین", "شهرک آزمایشی"]), (pashto, ["د ځمکې د نمرې د وېش لیک"])):
        path = tmp_path / "print.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
        text = " ".join(BIDI_CONTROLS.sub("", out.stdout.decode()).split())
        assert all(w in text for w in words) and "NAN-TEST-L-000001" in text


def test_a_second_issue_without_a_reason_is_refused_and_says_to_print_again(allocation_at, users):
    allocation = allocation_at("letter_issued")
    issue(allocation, users, language="en")
    with pytest.raises(ValidationError) as error:
        issue(allocation, users, language="fa")
    assert error.value.code == "document_already_issued"
    assert "Allocation letter NAN-TEST-L-000001 is already issued for this allocation. Print it again" in str(
        error.value
    )
    assert AllocationDocument.objects.count() == 1


def test_a_reissue_needs_one_of_the_reasons_and_something_to_reissue(allocation_at, users):
    allocation = allocation_at("titled")
    with pytest.raises(ValidationError, match="nothing to re-issue"):
        issue(allocation, users, kind="deed", reissue_reason="lost")
    deed = issue(allocation, users, kind="deed")
    for bad in ("unrecorded", "because I said so"):
        with pytest.raises(ValidationError, match="Choose why the document is re-issued: lost, damaged, corrected"):
            issue(allocation, users, kind="deed", reissue_reason=bad)
    again = issue(allocation, users, kind="deed", reissue_reason="corrected", reissue_note="Father's name misspelt")
    assert (again.supersedes, again.reissue_reason, again.reissue_note) == (deed, "corrected", "Father's name misspelt")
    assert [document_standing(d) for d in (deed, again)] == ["superseded", "valid"]
    assert document_current(allocation, "deed") == again


def test_only_a_document_that_stands_is_printed(allocation_at, users):
    allocation = allocation_at("letter_issued")
    officer = users["officer_nangarhar"]
    first = issue(allocation, users)
    issue(allocation, users, reissue_reason="damaged")
    with pytest.raises(ValidationError, match="NAN-TEST-L-000001 was superseded by NAN-TEST-L-000002; print"):
        document_print(document=first, language="en", by=officer)
    allocation_transition(allocation=allocation, action="revoke", by=officer, reason_code="error")
    current = document_current(allocation, "letter")
    with pytest.raises(ValidationError, match="has ended, so the document gives no right"):
        document_print(document=current, language="en", by=officer)
    assert first.prints.count() == 1 and current.prints.count() == 1  # the first print of each, as issued


def test_only_a_land_officer_in_scope_prints(allocation_at, users):
    letter = issue(allocation_at("letter_issued"), users)
    with pytest.raises(PermissionDenied, match="Only a land officer"):
        document_print(document=letter, language="fa", by=users["committee"])
    with pytest.raises(PermissionDenied, match="outside your scope"):
        document_print(document=letter, language="fa", by=users["officer_herat"])
    assert letter.prints.count() == 1


def test_a_deed_is_not_superseded_by_a_letter(allocation_at, users):
    allocation = allocation_at("titled")
    deed = issue(allocation, users, kind="deed")
    issue(allocation, users, kind="letter")
    assert document_standing(deed) == "valid"


def test_a_deed_before_the_allocation_is_titled_is_refused_with_a_sentence(allocation_at, users):
    allocation = allocation_at("occupied")
    with pytest.raises(ValidationError) as error:
        issue(allocation, users, kind="deed")
    assert error.value.messages == [
        "This allocation is occupied, so no deed can be issued for it; that is possible only when it is titled."
    ]
    assert error.value.code == "document_not_allowed"
    assert not AllocationDocument.objects.exists()


def test_the_letter_is_printed_once_the_plot_is_assigned_not_before(allocation_at, users):
    allocation = allocation_at("approved")
    with pytest.raises(ValidationError, match="This allocation is approved, so no allocation letter can be issued"):
        issue(allocation, users)
    allocation = allocation_transition(allocation=allocation, action="assign", by=users["officer_nangarhar"])
    assert issue(allocation, users).number == "NAN-TEST-L-000001"


def test_only_a_land_officer_in_scope_may_issue(allocation_at, users):
    allocation = allocation_at("letter_issued")
    with pytest.raises(PermissionDenied, match="Only a land officer may issue"):
        document_issue(allocation=allocation, kind="letter", language="en", by=users["committee"])
    with pytest.raises(PermissionDenied, match="outside your scope"):
        document_issue(allocation=allocation, kind="letter", language="en", by=users["officer_herat"])
    assert not AllocationDocument.objects.exists()


def test_numbers_count_up_per_township_and_kind(allocation_at, users):
    allocation = allocation_at("titled")
    numbers = [
        issue(allocation, users, kind=k, reissue_reason=r).number
        for k, r in (("letter", ""), ("deed", ""), ("letter", "lost"), ("deed", "damaged"))
    ]
    assert numbers == ["NAN-TEST-L-000001", "NAN-TEST-D-000001", "NAN-TEST-L-000002", "NAN-TEST-D-000002"]


def test_a_forged_token_finds_no_document_and_the_page_says_so(allocation_at, users, client):
    document = issue(allocation_at("letter_issued"), users)
    token = document_verification_token(document)
    assert document_from_token(token) == document
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # altered signature
        token.replace("L-000001", "L-000002"),  # another number, same signature
        signing.Signer(salt="another.purpose").sign(document.number),  # signed for something else
        "NAN-TEST-L-000001",
    ]
    for bad in forged:
        with pytest.raises(AllocationDocument.DoesNotExist):
            document_from_token(bad)
        page = client.get(f"/verify/{bad}/")
        assert page.status_code == 404
        assert "could not be verified" in page.text and "NAN-TEST" not in page.text.replace(bad, "")


def test_dates_are_written_in_shamsi_with_afghan_month_names():
    import datetime

    from landreg.calendar import gregorian_date, number_text, shamsi_date

    nowruz, winter = datetime.date(2026, 3, 21), datetime.date(2026, 12, 28)
    assert [shamsi_date(nowruz, lang) for lang in ("en", "fa", "ps")] == ["1 Hamal 1405", "۱ حمل ۱۴۰۵", "۱ وری ۱۴۰۵"]
    assert shamsi_date(winter, "en") == "7 Jadi 1405" and shamsi_date(winter, "fa") == "۷ جدی ۱۴۰۵"
    assert shamsi_date(datetime.date(2025, 3, 20), "en") == "30 Hut 1403"
    assert gregorian_date(winter, "en") == "28 December 2026" and gregorian_date(winter, "fa") == "۲۰۲۶/۱۲/۲۸"
    assert number_text(1500, "fa") == "۱٬۵۰۰٫۰۰" and number_text(15, "en") == "15.00"
