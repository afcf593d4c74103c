"""Letters and deeds over HTTP: issue, read, download (logged as an export); scope gives 404, roles 403."""

import hashlib

import pytest
from django.core.management import call_command

from landreg.models import PersonalDataAccess
from tests.allocations.test_documents import HEAD, allocation_at, media_and_public_url  # noqa: F401 (fixtures)


@pytest.fixture
def api(client):
    def call(user, method, url, data=None):
        client.force_login(user)
        response = getattr(client, method)(url, data or {}, content_type="application/json")
        assert response.status_code < 500, response.content
        return response

    return call


def test_issue_a_letter_then_read_it_and_download_it(api, allocation_at, users):  # noqa: F811
    officer = users["officer_nangarhar"]
    allocation = allocation_at("letter_issued")
    issued = api(
        officer, "post", f"/api/v1/allocations/{allocation.pk}/documents/", {"kind": "letter", "language": "fa"}
    )
    assert issued.status_code == 201
    body = issued.json()
    assert body["number"] == "NAN-TEST-L-000001"
    assert (body["kind"], body["language"], body["standing"]) == ("letter", "fa", "valid")
    assert body["verify_url"].startswith("https://landreg.example.org/verify/NAN-TEST-L-000001:")
    assert body["pdf_url"] == "http://testserver/api/v1/documents/NAN-TEST-L-000001/pdf/"

    detail = api(officer, "get", "/api/v1/documents/NAN-TEST-L-000001/")
    assert detail.status_code == 200 and detail.json() == body

    pdf = api(officer, "get", "/api/v1/documents/NAN-TEST-L-000001/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    data = b"".join(pdf.streaming_content)
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == body["sha256"]
    log = PersonalDataAccess.objects.get(action="export")
    assert (log.user, log.what, log.where) == (officer, "allocations.AllocationDocument", pdf.request["PATH_INFO"])

    listed = api(officer, "get", f"/api/v1/allocations/{allocation.pk}/documents/").json()
    assert [d["number"] for d in listed] == ["NAN-TEST-L-000001"]


def test_a_letter_prints_in_each_language_with_one_number_and_each_print_is_logged(api, allocation_at, users):  # noqa: F811
    officer = users["officer_nangarhar"]
    url = f"/api/v1/allocations/{allocation_at('letter_issued').pk}/documents/"
    assert api(officer, "post", url, {"kind": "letter", "language": "en"}).status_code == 201
    for language in ("fa", "ps", "en"):
        pdf = api(officer, "get", f"/api/v1/documents/NAN-TEST-L-000001/pdf/?language={language}")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        assert f"NAN-TEST-L-000001-{language}.pdf" in pdf["Content-Disposition"]
    body = api(officer, "get", "/api/v1/documents/NAN-TEST-L-000001/").json()
    assert (body["standing"], body["prints"]) == ("valid", 4)
    assert [d["number"] for d in api(officer, "get", url).json()] == ["NAN-TEST-L-000001"]
    assert PersonalDataAccess.objects.filter(action="export", user=officer).count() == 3
    bad = api(officer, "get", "/api/v1/documents/NAN-TEST-L-000001/pdf/?language=de")
    assert bad.status_code == 400 and "language" in bad.json()
    refused = api(users["committee"], "get", "/api/v1/documents/NAN-TEST-L-000001/pdf/?language=fa")
    assert refused.status_code == 403 and "Only a land officer" in refused.json()["detail"]


def test_a_second_issue_is_a_409_and_a_reissue_with_a_reason_supersedes(api, allocation_at, users):  # noqa: F811
    officer = users["officer_nangarhar"]
    url = f"/api/v1/allocations/{allocation_at('letter_issued').pk}/documents/"
    api(officer, "post", url, {"kind": "letter", "language": "en"})
    again = api(officer, "post", url, {"kind": "letter", "language": "fa"})
    assert again.status_code == 409 and again.json()["codes"] == ["document_already_issued"]
    assert "NAN-TEST-L-000001 is already issued" in again.json()["detail"]
    bad_reason = api(officer, "post", url, {"kind": "letter", "reissue_reason": "unrecorded"})
    assert bad_reason.status_code == 400 and "reissue_reason" in bad_reason.json()
    reissued = api(officer, "post", url, {"kind": "letter", "reissue_reason": "lost", "reissue_note": "Flood"})
    assert reissued.status_code == 201
    assert (reissued.json()["number"], reissued.json()["supersedes"]) == ("NAN-TEST-L-000002", "NAN-TEST-L-000001")
    assert api(officer, "get", "/api/v1/documents/NAN-TEST-L-000001/").json()["standing"] == "superseded"
    assert api(officer, "get", "/api/v1/documents/NAN-TEST-L-000002/").json()["standing"] == "valid"
    old = api(officer, "get", "/api/v1/documents/NAN-TEST-L-000001/pdf/?language=fa")
    assert old.status_code == 409 and "superseded by NAN-TEST-L-000002" in old.json()["detail"]
    as_issued = api(officer, "get", "/api/v1/documents/NAN-TEST-L-000001/pdf/")
    assert as_issued.status_code == 200  # the file as issued stays readable, as evidence


def test_a_deed_before_title_is_a_400_with_a_sentence(api, allocation_at, users):  # noqa: F811
    allocation = allocation_at("handed_over")
    response = api(
        users["officer_nangarhar"], "post", f"/api/v1/allocations/{allocation.pk}/documents/", {"kind": "deed"}
    )
    assert response.status_code == 409  # the allocation is in the wrong state, not the request
    assert response.json()["detail"] == (
        "This allocation is handed over, so no deed can be issued for it; that is possible only when it is titled."
    )
    assert response.json()["codes"] == ["document_not_allowed"]


def test_an_officer_of_another_province_gets_404(api, allocation_at, users):  # noqa: F811
    allocation = allocation_at("letter_issued")
    api(users["officer_nangarhar"], "post", f"/api/v1/allocations/{allocation.pk}/documents/", {"kind": "letter"})
    herat = users["officer_herat"]
    for method, url in (
        ("post", f"/api/v1/allocations/{allocation.pk}/documents/"),
        ("get", f"/api/v1/allocations/{allocation.pk}/documents/"),
        ("get", "/api/v1/documents/NAN-TEST-L-000001/"),
        ("get", "/api/v1/documents/NAN-TEST-L-000001/pdf/"),
    ):
        assert api(herat, method, url, {"kind": "letter"}).status_code == 404, url
    assert api(users["partner"], "get", "/api/v1/documents/NAN-TEST-L-000001/pdf/").status_code == 404
    assert not PersonalDataAccess.objects.filter(action="export").exists()


def test_a_committee_member_in_scope_may_read_but_not_issue(api, allocation_at, users):  # noqa: F811
    allocation = allocation_at("letter_issued")
    url = f"/api/v1/allocations/{allocation.pk}/documents/"
    refused = api(users["committee"], "post", url, {"kind": "letter"})
    assert refused.status_code == 403 and refused.json()["detail"].startswith("Only a land officer may issue")
    assert api(users["committee"], "get", url).json() == []


def test_bad_input_is_a_400(api, allocation_at, users):  # noqa: F811
    url = f"/api/v1/allocations/{allocation_at('letter_issued').pk}/documents/"
    officer = users["officer_nangarhar"]
    assert "kind" in api(officer, "post", url, {"kind": "passport"}).json()
    assert "language" in api(officer, "post", url, {"kind": "letter", "language": "de"}).json()
    assert api(officer, "get", "/api/v1/documents/NO-SUCH-NUMBER/").status_code == 404


def test_the_verification_page_needs_no_login(api, allocation_at, users, client):  # noqa: F811
    allocation = allocation_at("letter_issued")
    body = api(
        users["officer_nangarhar"], "post", f"/api/v1/allocations/{allocation.pk}/documents/", {"kind": "letter"}
    ).json()
    client.logout()
    page = client.get(body["verify_url"].removeprefix("https://landreg.example.org"))
    assert page.status_code == 200 and "VALID" in page.text and HEAD["name"] not in page.text


def test_the_openapi_schema_documents_the_document_endpoints(db, capsys):
    call_command("spectacular", "--validate", "--fail-on-warn")
    schema = capsys.readouterr().out
    for path in (
        "/api/v1/allocations/{id}/documents/",
        "/api/v1/documents/{number}/",
        "/api/v1/documents/{number}/pdf/",
    ):
        assert path in schema
    assert "application/pdf" in schema


NUL_SENTENCE = "The request holds a NUL character (byte 0), which no text may contain: remove it."


def test_a_nul_character_in_a_document_number_is_a_400_with_a_sentence(api, users, db):
    for url in ("/api/v1/documents/NAN%00-L-1/", "/api/v1/documents/NAN%00-L-1/pdf/"):
        response = api(users["officer_nangarhar"], "get", url)
        assert response.status_code == 400
        assert response.json()["detail"] == NUL_SENTENCE


def test_a_nul_character_refused_by_postgresql_is_a_400_and_other_database_errors_are_not(db):
    from django.db import DataError, connection, transaction

    from api.errors import landreg_exception_handler

    refusals = {}
    for name, sql in (("nul", "SELECT '\"Haji\\u0000\"'::jsonb"), ("overflow", "SELECT 99999999999::int4")):
        with pytest.raises(DataError) as refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        refusals[name] = refused.value
    response = landreg_exception_handler(refusals["nul"], {})
    assert response.status_code == 400
    assert response.data["detail"] == NUL_SENTENCE
    assert landreg_exception_handler(refusals["overflow"], {}) is None  # a real fault stays a 500
