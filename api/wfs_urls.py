"""URLs of the wfs interface."""

urlpatterns = []
