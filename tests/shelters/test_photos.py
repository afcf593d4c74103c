"""Site photos: bad ones are refused with a sentence; EXIF time and position are read and compared."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from allocations.services import allocation_propose, allocation_transition
from demo.sample_photos import site_jpeg
from shelters.models import AllocationReview, Photo, PhotoFraudFlag
from shelters.services import inspection_submit, shelter_project_create


def message(refusal) -> str:
    return " ".join(refusal.value.messages)


def test_a_photo_is_resized_hashed_and_its_exif_kept(inspect):
    inspection = inspect("foundation")
    photo = inspection.photos.get()
    assert len(photo.sha256) == 64 and photo.original_bytes > 0
    assert max(photo.width, photo.height) <= 1600
    assert photo.taken_at is not None and photo.exif_point is not None
    assert photo.warnings == []
    with Image.open(photo.file.path) as stored:
        assert not stored.getexif()  # stored without the camera's EXIF (position kept in a column)


def test_a_file_that_is_not_an_image_is_refused(inspect):
    with pytest.raises(ValidationError) as refusal:
        inspect("foundation", photos=[SimpleUploadedFile("notes.jpg", b"%PDF-1.4 not a photo")])
    assert "is not a photo" in message(refusal)
    assert not Photo.objects.exists()


def test_a_photo_without_exif_is_refused(inspect):
    with pytest.raises(ValidationError) as refusal:
        inspect("foundation", photos=[SimpleUploadedFile("shot.jpg", site_jpeg(exif=False, seed=3))])
    assert "no EXIF" in message(refusal) and "camera" in message(refusal)


def test_a_photo_over_the_size_limit_is_refused(inspect, settings, photo):
    settings.LANDREG_MAX_PHOTO_BYTES = 10_000
    with pytest.raises(ValidationError) as refusal:
        inspect("foundation", photos=[photo()])
    assert "the limit is" in message(refusal)


def test_a_photo_reused_on_the_same_plot_is_refused(inspect, photo):
    inspect("foundation", photos=[photo(seed=42)])
    with pytest.raises(ValidationError) as refusal:
        inspect("walls_to_lintel", photos=[photo(seed=42)])
    assert "already submitted" in message(refusal)
    assert not PhotoFraudFlag.objects.exists()


def test_a_photo_reused_for_another_plot_is_refused_and_flagged_as_possible_fraud(
    inspect, photo, plots, make_household, users, field_officer, frame
):
    inspect("foundation", photos=[photo(seed=99)])
    household = make_household(registered_by=users["officer_nangarhar"])
    other = allocation_propose(household=household, plot=plots[1], proposed_by=users["officer_nangarhar"])
    other = allocation_transition(allocation=other, action="approve", by=users["committee"], reference="CMT-2")
    shelter_project_create(
        allocation=other, implementing_partner="NGO", modality="in_kind", by=users["officer_nangarhar"]
    )
    with pytest.raises(ValidationError) as refusal:
        inspection_submit(
            client_uuid=uuid.uuid4(),
            plot=plots[1],
            stage="foundation",
            inspected_on=datetime.now().date(),
            by=field_officer,
            result="pass",
            point=frame.rect(30, 12, 1, 1).centroid,
            photos=[photo(seed=99)],
        )
    assert "another plot" in message(refusal) and "possible fraud" in message(refusal)
    flag = PhotoFraudFlag.objects.get()
    assert flag.plot == plots[1] and flag.submitted_by == field_officer
    assert AllocationReview.objects.get().reason == "photo_fraud"


def test_exif_time_and_position_are_compared_with_the_inspection(inspect, photo, frame):
    far = frame.rect(10, 200, 1, 1).centroid  # where the camera says it was: ~190 m away
    old = SimpleUploadedFile(
        "old.jpg", site_jpeg(lat=far.y, lon=far.x, taken=datetime.now() - timedelta(days=30), seed=5)
    )
    inspection = inspect("foundation", photos=[old])
    warnings = " ".join(inspection.photos.get().warnings)
    assert "Photo taken on" in warnings and "m from where the inspector recorded the visit" in warnings
