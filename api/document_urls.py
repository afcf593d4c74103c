"""REST v1 endpoints for letters and deeds (filled in by the documents work)."""

urlpatterns = []
