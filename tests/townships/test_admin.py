"""The admin: invalid geometry is a form error, never a 500; plot lists filter by township and status."""

from django.urls import reverse

from townships import services
from townships.models import Plot


def test_a_self_intersecting_plot_in_the_admin_is_a_form_error(client, users, township, frame):
    client.force_login(users["admin"])
    bowtie = frame.ring([(0, 0), (20, 20), (20, 0), (0, 20)])
    response = client.post(
        reverse("admin:townships_plot_add"),
        {
            "township": township.pk,
            "block": township.block_a.pk,
            "number": "1",
            "geom": bowtie.ewkt,
            "use": "residential",
            "status": "planned",
        },
    )
    assert response.status_code == 200
    assert "not a valid polygon" in response.content.decode()
    assert not Plot.objects.exists()


def test_garbage_in_the_geometry_field_is_a_form_error(client, users, township):
    client.force_login(users["admin"])
    response = client.post(
        reverse("admin:townships_plot_add"),
        {"township": township.pk, "number": "1", "geom": "POLYGON((1 2, 3", "use": "residential", "status": "planned"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_an_overlapping_plot_in_the_admin_is_a_form_error(client, users, township, frame):
    services.plot_create(township=township, block=township.block_a, number="1", geom=frame.rect(0, 0, 20, 25))
    client.force_login(users["admin"])
    response = client.post(
        reverse("admin:townships_plot_add"),
        {
            "township": township.pk,
            "block": township.block_a.pk,
            "number": "2",
            "geom": frame.rect(10, 0, 20, 25).ewkt,
            "use": "residential",
            "status": "planned",
        },
    )
    assert response.status_code == 200
    assert "must not overlap" in response.content.decode()


def test_plot_list_filters_by_township_and_status(client, users, township, frame):
    services.plot_create(township=township, block=township.block_a, number="11", geom=frame.rect(0, 0, 20, 25))
    services.plot_create(
        township=township, block=township.block_a, number="12", geom=frame.rect(20, 0, 20, 25), status="available"
    )
    client.force_login(users["admin"])
    page = client.get(
        reverse("admin:townships_plot_changelist"), {"township__id__exact": township.pk, "status__exact": "available"}
    ).content.decode()
    assert ">12<" in page and ">11<" not in page


def test_the_map_widget_loads_openlayers_from_our_static_files(client, users, township, frame):
    plot = services.plot_create(township=township, block=township.block_a, number="1", geom=frame.rect(0, 0, 20, 25))
    client.force_login(users["admin"])
    page = client.get(reverse("admin:townships_plot_change", args=[plot.pk])).content.decode()
    assert "/static/vendor/ol/ol.js" in page
    assert "cdn" not in page.lower() and "openstreetmap" not in page.lower()
