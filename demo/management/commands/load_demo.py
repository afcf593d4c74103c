"""Load the seeded demonstration data (two townships, ~500 synthetic households, allocations, users)."""

from django.core.management.base import BaseCommand, CommandError

from demo.services import demo_exists, demo_load


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Do nothing if the demo is already loaded.")

    def handle(self, *args, once, **options):
        if demo_exists():
            if once:
                self.stdout.write("demo data already loaded")
                return
            raise CommandError("The demo data is already loaded; it is loaded once, into an empty database.")
        totals = demo_load(progress=lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(
            self.style.SUCCESS(
                "demo loaded: {townships} townships, {plots} plots, {households} households, "
                "{allocations} allocations, {shelters} shelter projects".format(**totals)
            )
        )
