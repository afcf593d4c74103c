"""REST API v1 (Django REST framework): households, allocations and their workflow, ballots, documents, the
map's plot panel and search, field visits, layout imports, exports, partner exports. One style: ViewSets for
collections of records, `<Thing>View` APIViews for the rest, all under `api/rest/urls.py`."""
