"""The pages for people, one folder per feature."""

from django.urls import include, path

urlpatterns = [
    path("", include("webmap.accounts.urls")),  # /login/ and /logout/ for every role
    path("", include("webmap.map.urls")),  # the land officers' map (the home page) and the township dashboards
    path("layouts/", include("webmap.layouts.urls")),
    path("field/", include("webmap.field.urls")),
    path("", include("webmap.documents.urls")),
    path("", include("webmap.households.urls")),
    path("partners/", include("webmap.partners.urls")),  # what partners may download under their agreements
    path("grievances/", include("webmap.grievances.urls")),  # the officers' grievance pages
    path("", include("webmap.grievance_status.urls")),  # the public status page of a grievance (no login)
    path("livelihoods/", include("webmap.livelihoods.urls")),  # skills, opportunities, referrals, surveys
    path("movements/", include("webmap.movements.urls")),  # arrivals, flow counts, IDP sites, journeys
    path("planning/", include("webmap.planning.urls")),  # site viability and layout drafts
]
