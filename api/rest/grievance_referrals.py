"""Partners' hotlines refer grievances over REST and follow the status of what they referred."""

urlpatterns = []
