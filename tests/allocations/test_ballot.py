"""Public ballots: fixed seed, approved list, reproducible draw, and nothing changes once drawn."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from allocations.ballots import ballot_approve_list, ballot_create, ballot_draw, ballot_verify, draw
from allocations.models import Allocation, BallotResult
from households.eligibility import default_scheme, eligibility_assess
from households.models import Document
from townships import services
from townships.models import Entitlement


@pytest.fixture
def round_(township, frame, make_household, users):
    """A township with 6 plots of 10 biswa and 2 of 15, and 10 eligible households of several sizes."""
    Entitlement.objects.create(township=township, min_members=1, max_members=10, plot_biswa=10)
    Entitlement.objects.create(township=township, min_members=11, plot_biswa=15)
    number = 0
    for row in range(2):
        x = 0
        for width in [25, 25, 25, 37.5]:
            number += 1
            services.plot_create(
                township=township,
                block=township.block_a,
                number=str(number),
                status="available",
                geom=frame.rect(x, row * 40, width, 40),
            )
            x += width
    scheme = default_scheme()
    households = []
    for i in range(10):
        household = make_household(
            size=12 if i < 3 else 5,
            female_headed=i % 4 == 0,
            status="registered",
            head={"name": f"Head {i}", "father_name": "F", "sex": "m", "tazkira": f"9{i}"},
        )
        Document.objects.create(household=household, kind="por_card", file="x.pdf", sha256="0" * 64)
        eligibility_assess(household=household, scheme=scheme, by=users["officer_nangarhar"])
        households.append(household)
    return township


def drawn(round_, users, witnesses=("Haji Gul, elder", "Eng. Sima, DoRR")):
    ballot = ballot_create(
        township=round_, reference="NAN-TEST-R1", witnesses=list(witnesses), by=users["officer_nangarhar"]
    )
    ballot_approve_list(ballot=ballot, by=users["committee"], decision_reference="CMT-77")
    return ballot_draw(ballot=ballot, by=users["officer_nangarhar"])


def test_a_ballot_assigns_plots_of_the_right_size_in_priority_order(round_, users):
    ballot = drawn(round_, users)
    entries = list(ballot.entries.order_by("rank"))
    assert [e.priority_score for e in entries] == sorted((e.priority_score for e in entries), reverse=True)
    results = list(ballot.results.select_related("plot", "household").order_by("draw_order"))
    assert len(results) == 10
    for r in results:
        if r.plot:
            assert float(r.plot.area_m2) == (1500.0 if r.household.size == 12 else 1000.0)
    # 3 large households for 2 large plots, 7 small for 6 small plots: two go without.
    assert sum(r.plot is None for r in results) == 2
    allocations = Allocation.objects.filter(decision_reference="NAN-TEST-R1")
    assert allocations.count() == 8 and set(allocations.values_list("status", "method").distinct()) == {
        ("assigned", "ballot")
    }


def test_anyone_can_re_run_the_draw_from_the_seed(round_, users, client):
    ballot = drawn(round_, users)
    assert ballot_verify(ballot) == (True, [])
    entries = [(e.household_id, e.entitled_biswa) for e in ballot.entries.order_by("rank")]
    plots = [(p.plot_id, p.area_biswa) for p in ballot.plots.all()]
    recorded = list(ballot.results.order_by("draw_order").values_list("household_id", "plot_id"))
    assert draw(ballot.seed, entries, plots) == recorded
    assert draw(ballot.seed, entries, list(reversed(plots))) == recorded  # order of the list does not matter
    call_command("verify_ballot", "NAN-TEST-R1")
    page = client.get("/ballots/NAN-TEST-R1/").content.decode()
    assert "Verified" in page and ballot.seed in page and "Head 1" not in page


def test_a_tampered_result_is_detected(round_, users, client):
    ballot = drawn(round_, users)
    with connection.cursor() as cursor:  # as the table owner, bypassing the guard, like a rogue administrator
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks before ALTER TABLE
        cursor.execute("ALTER TABLE allocations_ballotresult DISABLE TRIGGER drawn_ballot_results_are_immutable")
        cursor.execute(
            "UPDATE allocations_ballotresult SET plot_id = NULL WHERE ballot_id = %s AND draw_order = 1", [ballot.pk]
        )
        cursor.execute("ALTER TABLE allocations_ballotresult ENABLE TRIGGER drawn_ballot_results_are_immutable")
    ok, differences = ballot_verify(ballot)
    assert not ok and differences[0].startswith("Draw 1: recorded")
    with pytest.raises(CommandError, match="does NOT match"):
        call_command("verify_ballot", "NAN-TEST-R1")
    assert "NOT verified" in client.get("/ballots/NAN-TEST-R1/").content.decode()


def test_a_drawn_ballot_cannot_be_changed(round_, users):
    ballot = drawn(round_, users)
    with pytest.raises(ValidationError, match="approve its list before the draw"):
        ballot_draw(ballot=ballot, by=users["officer_nangarhar"])
    ballot.witnesses = ["someone else"]
    with pytest.raises(DatabaseError, match="drawn_ballot_is_immutable"), transaction.atomic():
        ballot.save()
    result = BallotResult.objects.filter(ballot=ballot).first()
    result.plot = None
    with pytest.raises(DatabaseError, match="drawn_ballot_is_immutable"), transaction.atomic():
        result.save()
    with pytest.raises(DatabaseError, match="drawn_ballot_is_immutable"), transaction.atomic():
        ballot.entries.all()._raw_delete(ballot.entries.db)


def test_the_seed_is_fixed_from_the_start(round_, users):
    ballot = ballot_create(
        township=round_, reference="NAN-TEST-R2", witnesses=["a", "b"], by=users["officer_nangarhar"]
    )
    assert len(ballot.seed) == 32
    ballot.seed = "00" * 16
    with pytest.raises(DatabaseError, match="ballot_seed_is_fixed"), transaction.atomic():
        ballot.save()


def test_the_preparer_cannot_approve_the_list_and_the_draw_needs_witnesses(round_, users):
    from landreg import roles
    from landreg.services import user_create

    both = user_create(
        username="both", password="x", roles=[roles.LAND_OFFICER, roles.COMMITTEE_MEMBER], provinces=[round_.province]
    )
    ballot = ballot_create(township=round_, reference="NAN-TEST-R3", witnesses=["only one"], by=both)
    with pytest.raises(ValidationError, match="another committee member must approve"):
        ballot_approve_list(ballot=ballot, by=both, decision_reference="CMT-1")
    ballot_approve_list(ballot=ballot, by=users["committee"], decision_reference="CMT-1")
    with pytest.raises(ValidationError, match="at least two witnesses"):
        ballot_draw(ballot=ballot, by=both)


def test_the_ballot_api_prepares_approves_draws_and_verifies(round_, users, client):
    client.force_login(users["officer_nangarhar"])
    created = client.post(
        "/api/v1/ballots/",
        {"reference": "NAN-API-R1", "township": round_.code, "witnesses": ["Haji Gul", "Eng. Sima"]},
        content_type="application/json",
    )
    assert created.status_code == 201 and len(created.json()["seed"]) == 32
    early = client.post("/api/v1/ballots/NAN-API-R1/draw/")
    assert early.status_code == 409 and "approve its list" in early.json()["detail"]
    client.force_login(users["committee"])
    approved = client.post(
        "/api/v1/ballots/NAN-API-R1/approve-list/", {"decision_reference": "CMT-9"}, content_type="application/json"
    )
    assert approved.json()["status"] == "list_approved"
    drawn_ = client.post("/api/v1/ballots/NAN-API-R1/draw/").json()
    assert drawn_["status"] == "drawn" and len(drawn_["results"]) == 10
    assert client.get("/api/v1/ballots/NAN-API-R1/verify/").json()["verified"] is True
    again = client.post("/api/v1/ballots/NAN-API-R1/draw/")
    assert again.status_code == 409
    client.force_login(users["officer_herat"])
    assert client.get("/api/v1/ballots/NAN-API-R1/").status_code == 404
