"""URLs of the export interface."""

urlpatterns = []
