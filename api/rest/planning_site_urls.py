"""REST API v1: planning."""

urlpatterns = []
