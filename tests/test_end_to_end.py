"""One household, end to end over the API: from a border list to a verified deed, and its revocation.

CSV import → evidence → eligibility → ballot list proposed by an officer → approved by a committee member →
public draw → letter → GPS-checked handover → occupancy → title → deed PDF (text and QR checked with poppler
and zbar) → the QR's page says valid → the allocation is revoked → the page says revoked.
"""

import io
import subprocess
from urllib.parse import urlsplit

import pytest

from townships.models import Entitlement

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
LIST = (
    "province,category,size,head_name,father_name,sex,date_of_birth,tazkira,por,return_date,crossing_point,landless\n"
    "AF06,documented_returnee,6,Gul Agha,Noor Mohammad,m,1979-05-02,1400-0101-23456,PoR7654321,1403/05/12,"
    "torkham,yes\n"
)


def as_(client, user):
    client.force_login(user)
    return client


def ok(response, status=200):
    assert response.status_code == status, response.content[:2000]
    return response.json()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANDREG_PUBLIC_URL = "https://landreg.example.org"


def test_a_household_from_a_border_list_to_a_verified_deed(client, users, field_officer, plots, tmp_path):
    from households.eligibility import default_scheme

    officer, committee = users["officer_nangarhar"], users["committee"]
    township = plots[0].township
    Entitlement.objects.create(township=township, min_members=1, max_members=10, plot_biswa=5)  # 20 m × 25 m
    default_scheme()

    report = ok(
        as_(client, officer).post(
            "/api/v1/households/import/", {"file": io.BytesIO(LIST.encode()), "dry_run": "false"}
        ),
        201,
    )
    code = report["rows"][0]["code"]
    household = next(h for h in ok(client.get("/api/v1/households/"))["results"] if h["code"] == code)
    ok(
        client.post(
            f"/api/v1/households/{household['id']}/documents/",
            {"kind": "por_card", "number": "PoR7654321", "file": io.BytesIO(PDF)},
        ),
        201,
    )
    assessment = ok(
        client.post(
            f"/api/v1/households/{household['id']}/assess/",
            {"scheme": "decree-305-2018"},
            content_type="application/json",
        ),
        201,
    )
    assert assessment["eligible"], assessment["results"]

    ok(
        client.post(
            "/api/v1/ballots/",
            {"reference": "NAN-E2E-R1", "township": township.code, "witnesses": ["Haji Gul, elder", "Eng. Sima, DoRR"]},
            content_type="application/json",
        ),
        201,
    )
    refused = client.post(
        "/api/v1/ballots/NAN-E2E-R1/approve-list/", {"decision_reference": "CMT-1"}, content_type="application/json"
    )
    assert refused.status_code == 403  # the officer who proposed the list cannot approve it
    ok(
        as_(client, committee).post(
            "/api/v1/ballots/NAN-E2E-R1/approve-list/", {"decision_reference": "CMT-1"}, content_type="application/json"
        )
    )
    drawn = ok(as_(client, officer).post("/api/v1/ballots/NAN-E2E-R1/draw/"))
    assert [r["household"] for r in drawn["results"]] == [code]
    assert ok(client.get("/api/v1/ballots/NAN-E2E-R1/verify/"))["verified"] is True

    allocation = ok(client.get(f"/api/v1/allocations/?household={household['id']}"))["results"][0]
    url = f"/api/v1/allocations/{allocation['id']}"
    assert allocation["status"] == "assigned"
    ok(client.post(f"{url}/issue-letter/"))
    plot = next(p for p in plots if p.number == allocation["plot_number"])
    spot = plot.geom.point_on_surface
    ok(
        as_(client, field_officer).post(
            f"{url}/hand-over/", {"lon": spot.x, "lat": spot.y, "accuracy_m": 4}, content_type="application/json"
        )
    )
    ok(client.post(f"{url}/confirm-occupancy/"))
    titled = ok(as_(client, officer).post(f"{url}/title/"))
    assert titled["status"] == "titled"

    deed = ok(
        client.post(f"{url}/documents/", {"kind": "deed", "language": "en"}, content_type="application/json"), 201
    )
    pdf = client.get(urlsplit(deed["pdf_url"]).path)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "deed.pdf"
    path.write_bytes(b"".join(pdf.streaming_content))
    text = " ".join(
        subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    for expected in ("Gul Agha", "Noor Mohammad", code, deed["number"], "Area 500.00 m² (5.00 biswa)"):
        assert expected in text, (expected, text)
    assert f"Plot number {plot.number}" in text and "Township Test township Block A" in text
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(path), str(tmp_path / "deed")], check=True)
    qr = (
        subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "deed.png")], capture_output=True, check=True)
        .stdout.decode()
        .strip()
    )
    assert qr.startswith("https://landreg.example.org/verify/")

    client.logout()  # anyone may verify, without logging in
    page = client.get(urlsplit(qr).path).content.decode()
    assert "VALID" in page.upper() and "Gul Agha" not in page

    ok(
        as_(client, officer).post(
            f"{url}/revoke/", {"reason_code": "fraud", "reason": "Second plot found"}, content_type="application/json"
        )
    )
    client.logout()
    assert "REVOKED" in client.get(urlsplit(qr).path).content.decode().upper()
