"""The livelihoods pages."""

urlpatterns = []
