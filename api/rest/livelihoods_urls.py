"""REST API v1: livelihoods."""

urlpatterns = []
