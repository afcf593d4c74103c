"""Twenty officers at once, each on their own connection, through the real HTTP server: exactly one wins."""

import base64
import json
import threading
import urllib.error
import urllib.request

import pytest

from allocations.models import Allocation
from landreg import roles
from landreg.services import roles_sync, user_create

N = 20


def post_all(live_server, username, bodies):
    """POST each body to /api/v1/allocations/ from its own thread, all released at once."""
    token = base64.b64encode(f"{username}:race-pass-1".encode()).decode()
    barrier = threading.Barrier(len(bodies))
    results = [None] * len(bodies)

    def run(i, body):
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/allocations/",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"},
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                results[i] = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            results[i] = (error.code, json.loads(error.read()))

    threads = [threading.Thread(target=run, args=(i, body)) for i, body in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.fixture
def officer(provinces):
    roles_sync()
    return user_create(
        username="race.officer", password="race-pass-1", roles=[roles.LAND_OFFICER], provinces=[provinces["nangarhar"]]
    )


@pytest.mark.django_db(transaction=True)
def test_twenty_officers_allocating_one_plot_get_one_success_and_nineteen_409s(
    live_server, officer, plots, make_household
):
    households = [make_household() for _ in range(N)]
    results = post_all(live_server, officer.username, [{"household": h.pk, "plot": plots[0].pk} for h in households])
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (N - 1), results
    assert all("already has an active allocation" in body["detail"] for status, body in results if status == 409)
    assert Allocation.objects.filter(plot=plots[0]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_household_proposed_for_twenty_plots_at_once_gets_one(
    live_server, officer, township, frame, make_household
):
    from townships import services

    plots = [
        services.plot_create(
            township=township,
            block=township.block_b,
            number=f"B{i}",
            status="available",
            geom=frame.rect(220 + (i % 10) * 20, (i // 10) * 25, 20, 25),
        )
        for i in range(N)
    ]
    household = make_household()
    results = post_all(live_server, officer.username, [{"household": household.pk, "plot": p.pk} for p in plots])
    assert sorted(status for status, _ in results) == [201] + [409] * (N - 1), results
    assert all("only one plot nationwide" in body["detail"] for status, body in results if status == 409)
    assert Allocation.objects.filter(household=household).count() == 1
