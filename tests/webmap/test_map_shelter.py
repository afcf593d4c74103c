"""The plot panel and the dashboard show the shelter on a plot, stage by stage."""


from allocations.services import allocation_propose, allocation_transition
from shelters import services as shelter_services
from shelters.selectors import plot_shelter, township_shelter_completion


def test_no_shelter_project_means_none(plots, township):
    assert plot_shelter(plots[0]) is None and township_shelter_completion(township) is None


def test_a_started_shelter_shows_in_the_panel_and_the_dashboard(client, users, plots, township, make_household):
    allocation = allocation_propose(household=make_household(), plot=plots[0], proposed_by=users["officer_nangarhar"])
    allocation = allocation_transition(allocation=allocation, action="approve", by=users["committee"], reference="C")
    shelter_services.shelter_project_create(
        allocation=allocation, implementing_partner="NRC", modality="in_kind", by=users["officer_nangarhar"]
    )
    client.force_login(users["officer_nangarhar"])
    shelter = client.get(f"/api/v1/map/plots/{plots[0].pk}/").json()["shelter"]
    assert shelter == {"stage": "not_started", "label": "Not started", "completed": False}
    data = client.get("/townships/NAN-TEST/dashboard/").context["data"]
    assert (data["shelter"]["projects"], data["shelter"]["completed"]) == (1, 0)
