"""Planning pages."""

urlpatterns = []
