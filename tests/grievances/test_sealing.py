"""Sensitive descriptions and notes are sealed at rest: unreadable from the database without the key, readable by
the focal point only, and re-sealed under a new key by manage.py grievance_rotate_key."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from grievances import selectors, services
from grievances.models import Grievance, GrievanceStep
from grievances.sealing import seal, unseal
from landreg.models import PersonalDataAccess

pytestmark = pytest.mark.django_db
SECRET = "Officer Karim asked for 20,000 AFN to approve our plot."


def sensitive(people, provinces):
    return services.grievance_receive(
        by=people["officer_nangarhar"],
        channel="hotline",
        category="staff_conduct",
        description=SECRET,
        province=provinces["nangarhar"],
    )


def test_a_sensitive_description_is_unreadable_from_the_database_without_the_key(people, provinces, settings):
    g = sensitive(people, provinces)
    g = services.grievance_transition(grievance=g, action="acknowledge", by=people["focal"], note="Karim suspended.")

    with connection.cursor() as cursor:
        # Everything the database holds about the grievance, its steps and its history, as text.
        cursor.execute(
            "SELECT row_to_json(g)::text FROM grievances_grievance g WHERE id = %s "
            "UNION ALL SELECT row_to_json(s)::text FROM grievances_grievancestep s WHERE grievance_id = %s "
            "UNION ALL SELECT row_to_json(e)::text FROM grievances_grievanceevent e WHERE pgh_obj_id = %s "
            "UNION ALL SELECT encode(description_sealed, 'escape') FROM grievances_grievance WHERE id = %s",
            [g.pk, g.pk, g.pk, g.pk],
        )
        dump = "\n".join(row[0] for row in cursor.fetchall())
    assert "Karim" not in dump and "20,000" not in dump and "suspended" not in dump
    assert SECRET not in dump

    token = bytes(Grievance.objects.get(pk=g.pk).description_sealed)
    with pytest.raises(InvalidToken):
        Fernet(Fernet.generate_key()).decrypt(token)  # a wrong key cannot open it
    settings.GRIEVANCE_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="key that sealed it is missing"):
        unseal(token)


def test_only_the_focal_point_reads_it_and_the_reading_is_logged(people, provinces):
    g = sensitive(people, provinces)

    assert selectors.grievance_description(people["focal"], g, where="/grievances/1/") == SECRET
    assert PersonalDataAccess.objects.filter(
        user=people["focal"], what="grievances.Grievance.description", object_ids=[g.pk]
    ).exists()
    for name in ("officer_nangarhar", "administrator", "admin", "committee", "focal_herat"):
        assert selectors.grievance_description(people[name], g) is None, name
        assert selectors.grievance_description_shown(people[name], g) in ("sensitive: readable by the focal point",), (
            name
        )
    assert not PersonalDataAccess.objects.filter(user=people["officer_nangarhar"]).exists()


def test_the_notes_of_a_sensitive_grievance_are_sealed_and_shown_to_the_focal_point_only(people, provinces):
    g = sensitive(people, provinces)
    services.grievance_transition(grievance=g, action="acknowledge", by=people["focal"], note="Spoke to her.")

    focal_steps = selectors.grievance_steps(people["focal"], g)
    officer_steps = selectors.grievance_steps(people["officer_nangarhar"], g)  # they received it, so they see it

    assert [s.note_text for s in focal_steps] == ["", "Spoke to her."]
    assert [s.note_text for s in officer_steps] == [None, None] and all(s.note_hidden for s in officer_steps)


def test_rotation_reseals_everything_under_the_newest_key(people, provinces, settings):
    g = sensitive(people, provinces)
    services.grievance_transition(grievance=g, action="acknowledge", by=people["focal"], note="Spoke to her.")
    old_key = settings.GRIEVANCE_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.GRIEVANCE_KEYS = [new_key, old_key]

    call_command("grievance_rotate_key")

    settings.GRIEVANCE_KEYS = [new_key]  # the old key retired
    g.refresh_from_db()
    assert unseal(g.description_sealed) == SECRET
    assert unseal(GrievanceStep.objects.get(grievance=g, action="acknowledge").note_sealed) == "Spoke to her."
    call_command("grievance_rotate_key", "--check")  # nothing left under an older key


def test_the_reseal_switch_lets_only_the_token_of_a_sealed_note_change(people, provinces):
    g = sensitive(people, provinces)
    services.grievance_transition(grievance=g, action="acknowledge", by=people["focal"], note="Spoke to her.")
    step = GrievanceStep.objects.get(grievance=g, action="acknowledge")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('landreg.grievance_reseal', 'on', true)")
        with pytest.raises(DatabaseError, match="grievance_steps_are_append_only"), transaction.atomic():
            GrievanceStep.objects.filter(pk=step.pk).update(note_sealed=seal("Other text."), action="close")
        with pytest.raises(DatabaseError, match="grievance_steps_are_append_only"), transaction.atomic():
            GrievanceStep.objects.filter(grievance=g, action="receive").update(note_sealed=seal("Added later."))
        cursor.execute("SELECT set_config('landreg.grievance_reseal', '', true)")
    with pytest.raises(DatabaseError, match="grievance_steps_are_append_only"), transaction.atomic():
        GrievanceStep.objects.filter(pk=step.pk).update(note_sealed=seal("Other text."))


def test_settings_refuse_to_start_without_the_keys_when_debug_is_off(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("GRIEVANCE_KEYS", "DEBUG")}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "landreg.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "GRIEVANCE_KEYS is required when DEBUG is off" in result.stderr
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(len(settings.GRIEVANCE_KEYS))",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "landreg.settings", "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stdout.strip() == "1"
