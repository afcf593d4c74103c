"""`manage.py clean_imports`: dry-run uploads never imported are deleted after LANDREG_IMPORT_RETENTION_HOURS.

The command is landreg's; households (the kept lists) and townships (the kept layout files) register their clean-up
with landreg.cleanup when the apps are ready."""

import io
import os
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from households.bulk import list_keep, list_kept, lists_clean
from households.models import Household
from townships.models import LayoutImport

HOUR = 3600


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LANDREG_IMPORT_RETENTION_HOURS = 48
    return tmp_path


def put(media, relative: str, hours_old: float):
    path = media / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    then = time.time() - hours_old * HOUR
    os.utime(path, (then, then))
    return path


def layout_import(township, sha: str, status: str, hours_old: float):
    record = LayoutImport.objects.create(
        township=township, file_name="layout.gpkg", sha256=sha, size_bytes=1, file_format="GeoPackage", status=status
    )
    LayoutImport.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(hours=hours_old))
    return record


def run(*args) -> str:
    out = io.StringIO()
    call_command("clean_imports", *args, stdout=out)
    return out.getvalue()


def test_it_deletes_only_old_uploads_that_were_never_imported(media, township):
    old_list = put(media, "imports/" + "a" * 64, hours_old=49)
    new_list = put(media, "imports/" + "b" * 64, hours_old=1)
    never_committed = put(media, "layouts/" + "c" * 64 + "/layout.gpkg", hours_old=72)
    layout_import(township, "c" * 64, LayoutImport.Status.REJECTED, hours_old=72)
    committed = put(media, "layouts/" + "d" * 64 + "/layout.gpkg", hours_old=500)
    layout_import(township, "d" * 64, LayoutImport.Status.CHECKED, hours_old=500)
    layout_import(township, "d" * 64, LayoutImport.Status.COMMITTED, hours_old=499)
    never_checked = put(media, "layouts/" + "e" * 64 + "/layout.zip", hours_old=60)  # the check failed
    checked_lately = put(media, "layouts/" + "f" * 64 + "/layout.gpkg", hours_old=60)  # re-checked an hour ago
    layout_import(township, "f" * 64, LayoutImport.Status.CHECKED, hours_old=1)
    partial_upload = put(media, "layouts/incoming/tmpab12cd", hours_old=49)
    uploading_now = put(media, "layouts/incoming/tmpef34gh", hours_old=0)
    problems = put(media, "layouts/reports/7.gpkg", hours_old=500)

    out = run()

    for gone in (old_list, never_committed, never_checked, partial_upload):
        assert not gone.exists() and f"removed {gone.relative_to(media)}" in out
    assert not never_committed.parent.exists()
    for kept in (new_list, committed, checked_lately, uploading_now, problems):
        assert kept.exists() and str(kept.relative_to(media)) not in out
    assert out.strip().endswith("4 file(s) older than 48 hours removed.")


def test_the_retention_comes_from_the_settings_or_the_option(media, settings):
    kept = put(media, "imports/" + "a" * 64, hours_old=5)
    settings.LANDREG_IMPORT_RETENTION_HOURS = 6
    assert "0 file(s)" in run() and kept.exists()
    settings.LANDREG_IMPORT_RETENTION_HOURS = 4
    assert f"removed imports/{'a' * 64}" in run() and not kept.exists()
    put(media, "imports/" + "b" * 64, hours_old=0.5)
    assert "1 file(s) older than 0 hours removed." in run("--older-than-hours", "0")


def test_each_app_registers_its_clean_up_once():
    from landreg import cleanup
    from townships.layouts import layout_files_clean

    assert cleanup._cleaners.count(lists_clean) == 1 and cleanup._cleaners.count(layout_files_clean) == 1
    cleanup.register(lists_clean)
    assert cleanup._cleaners.count(lists_clean) == 1


def test_a_negative_retention_is_refused(media):
    with pytest.raises(CommandError, match="0 or more"):
        run("--older-than-hours", "-1")


def test_nothing_to_clean_is_fine(media):
    assert run().strip() == "0 file(s) older than 48 hours removed."


def test_the_import_page_asks_for_the_list_again_after_the_clean_up(client, media, users):
    client.force_login(users["officer_nangarhar"])
    content = b"province,category,size,head_name,sex\nAF06,idp,3,Wali,m\n"
    upload = io.BytesIO(content)
    upload.name = "list.csv"
    assert client.post("/households/import/", {"file": upload}).status_code == 302  # to the report, ?checked=1
    assert list_kept(list_keep(content)) == content
    os.utime(next((media / "imports").iterdir()), (time.time() - 49 * HOUR,) * 2)
    run()
    response = client.post("/households/import/", {"action": "commit"})
    assert response.status_code == 200 and "Upload the list again" in response.content.decode()


@pytest.mark.django_db(transaction=True)  # the real run works in a thread of its own, with its own connection
def test_a_registered_list_is_deleted_at_once(client, media, users):
    client.force_login(users["officer_nangarhar"])
    upload = io.BytesIO(b"province,category,size,head_name,sex\nAF06,idp,3,Wali,m\n")
    upload.name = "list.csv"
    client.post("/households/import/", {"file": upload})
    assert len(list((media / "imports").iterdir())) == 1
    response = client.post("/households/import/", {"action": "commit"})
    b"".join(response.streaming_content)  # the progress page; the import runs while it streams
    assert Household.objects.filter(members__name="Wali").exists()
    assert list((media / "imports").iterdir()) == []
