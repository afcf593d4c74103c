"""Pages for issued letters and deeds: the public verification page (filled in by the documents work)."""

urlpatterns = []
