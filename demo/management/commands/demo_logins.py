"""Print the demo logins."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from demo.services import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        existing = set(get_user_model().objects.values_list("username", flat=True))
        # The demo password is public and fails the password rules on purpose: demo users belong on a
        # demonstration server only (the demo marks everything it creates as demo data).
        self.stdout.write(
            f"Demo logins at /login/ (password for all: {DEMO_PASSWORD}); "
            "admin and gis.specialist may also open /admin/:"
        )
        for username, what in DEMO_LOGINS:
            if username in existing:
                self.stdout.write(f"  {username:22} {what}")
