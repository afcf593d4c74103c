"""URL slot; filled by its issue."""

urlpatterns = []
