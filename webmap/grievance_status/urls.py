"""The public status page of a grievance: a reference in, its status out, nothing personal."""

from django.urls import path

from webmap.grievance_status import views

urlpatterns = [
    # No reference in the path: it travels in the POST form, so it is in no log and no browser history.
    path("complaint-status/", views.grievance_status, name="grievance-status"),
]
