"""The root URLconf: where a page and the REST API share a URL name, reverse() and redirect() give the page."""

from django.urls import resolve, reverse


def test_shared_url_names_reverse_to_the_pages():
    assert reverse("household-list") == "/households/"
    assert reverse("household-detail", args=[7]) == "/households/7/"
    assert resolve("/").url_name == "map-home" or resolve("/").func.__name__ == "map_home"
    assert reverse("household-import-list") == "/api/v1/households/import/"  # the API's own names stay the API's
