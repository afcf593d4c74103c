"""The grievance admin: scoped, read-only for records, the deadline policies editable by administrators, and a
sensitive text never shown (nor its sealed bytes)."""

import pytest

from grievances import services
from grievances.models import DeadlinePolicy

pytestmark = pytest.mark.django_db
SECRET = "The storekeeper demanded money."


@pytest.fixture
def grievances(people, provinces, held):
    sensitive = services.grievance_receive(
        by=people["officer_nangarhar"],
        channel="hotline",
        category="staff_conduct",
        description=SECRET,
        province=provinces["nangarhar"],
    )
    sensitive = services.grievance_transition(
        grievance=sensitive, action="acknowledge", by=people["focal"], note=SECRET
    )
    dispute = services.dispute_open(
        plot=held.plot, by=people["officer_nangarhar"], description="<b>wall</b>", channel="office"
    )
    herat = services.grievance_receive(
        by=people["officer_herat"],
        channel="office",
        category="other",
        description="Herat pump.",
        province=provinces["herat"],
    )
    return {"sensitive": sensitive, "dispute": dispute, "herat": herat}


@pytest.mark.parametrize("model", ["grievance", "landdispute", "appeal", "deadlinepolicy"])
def test_the_admin_lists_open(client, people, grievances, model):
    client.force_login(people["admin"])
    assert client.get(f"/admin/grievances/{model}/").status_code == 200


def test_a_sensitive_grievance_is_shown_without_its_text(client, people, grievances):
    client.force_login(people["admin"])
    page = client.get(f"/admin/grievances/grievance/{grievances['sensitive'].pk}/change/").content.decode()
    assert "sensitive: readable by the focal point" in page
    assert SECRET not in page and "gAAAA" not in page


def test_hostile_text_is_escaped_and_records_are_read_only(client, people, grievances):
    client.force_login(people["admin"])
    url = f"/admin/grievances/grievance/{grievances['dispute'].pk}/"
    page = client.get(url + "change/").content.decode()
    assert "&lt;b&gt;wall&lt;/b&gt;" in page and "<b>wall</b>" not in page
    assert client.post(url + "delete/").status_code == 403
    assert client.post(url + "change/", {"description": "changed"}).status_code == 403


def test_a_provincial_administrator_sees_their_province_only(client, people, grievances):
    people["administrator"].is_staff = True
    people["administrator"].save()
    client.force_login(people["administrator"])
    listing = client.get("/admin/grievances/grievance/").content.decode()
    assert grievances["dispute"].reference in listing and grievances["herat"].reference not in listing
    assert client.get(f"/admin/grievances/grievance/{grievances['herat'].pk}/change/").status_code == 404


def test_an_administrator_edits_a_deadline_policy(client, people, grievances):
    policy, _ = DeadlinePolicy.objects.get_or_create(category="other", sensitive=False)  # seeded by the migration
    client.force_login(people["admin"])
    response = client.post(
        f"/admin/grievances/deadlinepolicy/{policy.pk}/change/",
        {"category": "other", "sensitive": "", "acknowledge_hours": 48, "refer_hours": "", "resolve_days": 21},
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.acknowledge_hours, policy.resolve_days) == (48, 21)
