"""REST API v1: movements."""

urlpatterns = []
