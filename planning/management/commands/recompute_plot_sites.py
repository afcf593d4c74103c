"""Compute again each plot's site figures that the database marked stale (or all of a township's)."""

from django.core.management.base import BaseCommand, CommandError

from planning.services import plot_sites_recompute, plot_sites_recompute_stale
from townships.models import Township


class Command(BaseCommand):
    help = "Recompute the stale plot site figures (slope, flood, water, fit); run it from a timer (docs/planning.md)."

    def add_arguments(self, parser):
        parser.add_argument("--township", default="", help="Only this township (code).")
        parser.add_argument("--all", action="store_true", help="Every plot of the township, stale or not.")

    def handle(self, *args, **options):
        if options["township"]:
            township = Township.objects.filter(code=options["township"]).first()
            if township is None:
                raise CommandError(f"No township {options['township']}.")
            done = {township.code: plot_sites_recompute(township=township, only_stale=not options["all"])}
        else:
            done = plot_sites_recompute_stale()
        for code, count in done.items():
            self.stdout.write(f"{code}: {count} plots computed")
        if not done:
            self.stdout.write("no stale plot figures")
