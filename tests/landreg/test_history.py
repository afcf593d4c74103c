"""Every change to a land record is in the history, with the application user behind it."""

from django.urls import reverse

from landreg.history import history_of
from townships import services


def admin_form_data(plot, **changes):
    data = {
        "township": plot.township_id,
        "block": plot.block_id or "",
        "number": plot.number,
        "geom": plot.geom.ewkt,
        "use": plot.use,
        "status": plot.status,
    }
    data.update(changes)
    return data


def test_an_edit_in_the_admin_records_the_user_and_what_changed(client, users, township, frame):
    plot = services.plot_create(township=township, block=township.block_a, number="1", geom=frame.rect(0, 0, 20, 25))
    client.force_login(users["admin"])
    response = client.post(
        reverse("admin:townships_plot_change", args=[plot.pk]), admin_form_data(plot, status="reserved")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    events = history_of(plot)
    assert [e["action"] for e in events] == ["insert", "update"]
    assert events[-1]["user"] == "admin"
    assert events[-1]["db_role"] == "landreg"
    assert "status" in events[-1]["changed"]


def test_the_admin_shows_an_objects_history(client, users, township, frame):
    plot = services.plot_create(township=township, block=township.block_a, number="1", geom=frame.rect(0, 0, 20, 25))
    services.plot_update(plot=plot, status="available")
    client.force_login(users["admin"])
    response = client.get(reverse("admin:townships_plot_history", args=[plot.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Database role" in page and "landreg" in page and "update" in page and "status" in page


def test_household_and_allocation_changes_are_recorded(make_household, township, frame, users):
    from allocations.services import allocation_propose, allocation_revoke

    household = make_household()
    plot = services.plot_create(
        township=township, block=township.block_a, number="1", geom=frame.rect(0, 0, 20, 25), status="available"
    )
    allocation = allocation_propose(household=household, plot=plot, proposed_by=users["officer_nangarhar"])
    allocation_revoke(allocation=allocation, reason="error", by=users["officer_nangarhar"])
    assert [e["action"] for e in history_of(household)] == ["insert"]
    assert [e["action"] for e in history_of(allocation)] == ["insert", "update"]
    assert "status" in history_of(allocation)[-1]["changed"]
