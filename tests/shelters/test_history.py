"""Shelter records keep a trigger-written history: who, when, from Django or any other client."""

from landreg.history import history_of


def test_a_project_and_its_inspections_and_tranches_have_history(project, inspect, users):
    from shelters.services import tranche_pay

    inspection = inspect("foundation")
    tranche = tranche_pay(tranche=project.tranches.get(stage__code="foundation"), by=users["officer_nangarhar"])
    project.refresh_from_db()
    actions = [row["action"] for row in history_of(project)]
    assert actions[0] == "insert" and "update" in actions  # created, then advanced by its passed inspection
    assert [row["action"] for row in history_of(inspection)] == ["insert"]
    assert [row["action"] for row in history_of(tranche)] == ["insert", "update"]
