"""Evidence uploads are read to the end and kept under a generated name with the extension of their real type."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from households.models import Document
from households.services import document_add

REFUSED = "Upload a PDF, JPEG or PNG scan; this file is none of these, or it is damaged."
GENERATED = r"^evidence/\d{4}/\d{2}/[0-9a-f]{32}\.%s$"


def image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, kind)
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def household(make_household):
    return make_household()


def add(household, user, name: str, content: bytes):
    return document_add(
        household=household, kind="tazkira", upload=SimpleUploadedFile(name, content), by=user, number=""
    )


def stored_files(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file())


def test_a_jpeg_header_followed_by_html_is_refused_and_nothing_is_kept(media, household, users):
    content = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"<html><script>alert(document.cookie)</script></html>"
    with pytest.raises(ValidationError) as refused:
        add(household, users["officer_nangarhar"], "scan.html", content)
    assert refused.value.message_dict["file"][0].startswith(REFUSED)
    assert not Document.objects.exists() and stored_files(media) == []


@pytest.mark.parametrize(
    "name, content",
    [
        ("scan.pdf", b"%PDF-1.4\n<html><body>not a pdf</body></html>\n%%EOF\n"),
        ("scan.pdf", image("PDF")[:-200]),  # truncated: no %%EOF
        ("scan.png", image("PNG")[:60]),  # truncated image
        ("scan.gif", image("GIF")),  # a real image, of a type not accepted
        ("scan.jpg", b""),
    ],
)
def test_anything_but_a_whole_pdf_jpeg_or_png_is_refused(media, household, users, name, content):
    with pytest.raises(ValidationError, match="none of these"):
        add(household, users["officer_nangarhar"], name, content)
    assert stored_files(media) == []


@pytest.mark.parametrize(
    "name, content, extension",
    [
        ("Photo of Tazkira.JPG", image("JPEG"), "jpg"),
        ("x.html", image("PNG"), "png"),  # a real PNG named .html is kept as .png
        ("scan.jpg", image("PDF"), "pdf"),
    ],
)
def test_a_real_scan_is_kept_under_a_generated_name_with_its_verified_extension(
    media, household, users, name, content, extension
):
    document = add(household, users["officer_nangarhar"], name, content)
    assert re.match(GENERATED % extension, document.file.name), document.file.name
    assert (media / document.file.name).read_bytes() == content


def test_the_api_refuses_html_behind_a_jpeg_header_with_a_400(client, media, household, users):
    client.force_login(users["officer_nangarhar"])
    url = f"/api/v1/households/{household.pk}/documents/"
    fake = io.BytesIO(b"\xff\xd8\xff\xe0<html><body>hello</body></html>")
    fake.name = "scan.jpg"
    response = client.post(url, {"kind": "tazkira", "file": fake})
    assert response.status_code == 400 and REFUSED in response.content.decode()
    real = io.BytesIO(image("PNG"))
    real.name = "page.html"
    response = client.post(url, {"kind": "tazkira", "file": real})
    assert response.status_code == 201, response.content
    assert re.match(GENERATED % "png", Document.objects.get().file.name)


def test_the_page_shows_the_refusal_on_the_form(client, media, household, users):
    client.force_login(users["officer_nangarhar"])
    fake = io.BytesIO(b"\xff\xd8\xff\xe0<html><body>hello</body></html>")
    fake.name = "scan.jpg"
    response = client.post(
        f"/households/{household.pk}/", {"action": "evidence", "ev-kind": "tazkira", "ev-file": fake}
    )
    assert response.status_code == 200 and REFUSED in response.content.decode()
    assert not Document.objects.exists()


def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded(media, household, users):
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, "PNG")  # a few kilobytes, 81 million pixels
    with pytest.raises(ValidationError, match="9000 × 9000 pixels, more than a scanned page needs"):
        add(household, users["officer_nangarhar"], "scan.png", buffer.getvalue())
    assert stored_files(media) == []
