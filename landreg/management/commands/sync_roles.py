"""Create the role groups and set their permissions (safe to run again)."""

from django.core.management.base import BaseCommand

from landreg.services import roles_sync


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        roles_sync()
        self.stdout.write("roles are up to date")
