"""The movements pages."""

urlpatterns = []
