"""URLs of the ogc interface."""

urlpatterns = []
