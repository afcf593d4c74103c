"""The public status page of a grievance: a reference in, its status out, nothing personal."""

urlpatterns = []
