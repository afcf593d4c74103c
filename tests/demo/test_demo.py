"""The seeded demo: two townships on state land, a few hundred plots each, ~500 households, allocations."""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from allocations.models import Allocation
from demo.services import DEMO_LOGINS, DEMO_PASSWORD
from households.models import Household
from shelters.models import FieldAssignment, Inspection, ShelterProject, Stage, Tranche
from shelters.selectors import township_shelter_completion
from townships.models import Facility, Plot, Township


def test_the_demo_loads_once_and_is_clearly_marked(db, capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "block A1" in out and "households 50/250" in out  # progress is shown
    townships = {t.code: t for t in Township.objects.all()}
    assert set(townships) == {"NAN-SMD", "HER-SHD"}
    assert townships["NAN-SMD"].province.pcode == "AF06" and townships["NAN-SMD"].utm_srid == 32642
    assert townships["HER-SHD"].province.pcode == "AF32" and townships["HER-SHD"].utm_srid == 32641
    assert all(t.is_demo and t.land_parcels.exists() for t in townships.values())
    for township in townships.values():
        assert 200 <= township.plots.count() <= 400
        assert Facility.objects.filter(township=township).count() >= 5
    assert set(Plot.objects.values_list("area_m2", flat=True)) == {1000, 1500}  # 10 and 15 biswa
    assert Household.objects.count() == 500
    assert not Household.objects.exclude(code__startswith="DEMO-").exists()
    statuses = set(Allocation.objects.values_list("status", flat=True))
    assert {"proposed", "approved", "handed_over", "occupied", "revoked"} <= statuses
    # Shelters went through the real services: every paid tranche was released by a passed, photographed,
    # on-plot inspection, and the field officers have visits due today.
    projects = ShelterProject.objects.all()
    assert projects.count() >= 20 and projects.filter(stage_reached__isnull=False).exists()
    paid = Tranche.objects.filter(paid_on__isnull=False)
    assert paid.exists() and not paid.filter(released_by_inspection__isnull=True).exists()
    assert Inspection.objects.filter(photos__isnull=False).count() == Inspection.objects.count() > 0
    assert FieldAssignment.objects.filter(officer__username="field.nangarhar", due_on=timezone.localdate()).exists()
    assert "shelter projects" in out
    # The dashboard lists shelters by stage in the programme's order, not by count.
    completion = township_shelter_completion(townships["NAN-SMD"])
    labels = [str(label) for label, _n in completion["by_stage"]]
    stages = Stage.objects.filter(programme=projects[0].programme).order_by("position")
    order = ["Not started", *(stage.name for stage in stages)]
    assert len(labels) >= 3 and labels == [label for label in order if label in labels]
    # Only the administrator and the GIS specialist may open the admin; the others work in landreg's pages.
    assert set(get_user_model().objects.filter(is_staff=True).values_list("username", flat=True)) == {
        "admin",
        "gis.specialist",
    }
    # Every demo user is listed by demo_logins and has the demo password.
    users = get_user_model().objects.all()
    assert {user.username for user in users} == {username for username, _what in DEMO_LOGINS}
    assert all(user.check_password(DEMO_PASSWORD) for user in users)
    call_command("demo_logins")
    logins = capsys.readouterr().out
    assert "at /login/" in logins and "partner.unhcr" in logins
    call_command("load_demo", "--once")
    assert "already loaded" in capsys.readouterr().out
    assert Township.objects.count() == 2


def test_the_demo_partner_has_one_agreement_for_nangarhar_and_sees_its_downloads(db, client):
    from demo.partners import DEMO_AGREEMENT
    from landreg.models import DataSharingAgreement
    from landreg.sharing import agreement_for
    from parcels.models import AdminArea

    call_command("load_demo")
    agreement = DataSharingAgreement.objects.get()
    assert agreement.reference == DEMO_AGREEMENT
    partner = get_user_model().objects.get(username="partner.unhcr")
    assert list(agreement.users.all()) == [partner]
    assert agreement_for(partner, "household_records", AdminArea.objects.get(pcode="AF06")) == agreement
    client.force_login(partner)
    page = client.get("/partners/").content.decode()
    assert "/api/v1/partner/exports/household_records.csv?province=AF06" in page
    assert "/api/v1/exports/townships/NAN-SMD.gpkg" in page and "HER-SHD" not in page
    assert client.get("/townships/HER-SHD/dashboard/").status_code == 403  # Herat is not in the agreement
