"""The officers' grievance pages."""

urlpatterns = []
