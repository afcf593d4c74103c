"""Bring the weekly and monthly movement figures up to date: the weeks and months whose days changed since the last
refresh, without blocking their readers. Run it after an import of flow counts, and from a timer (every 15 minutes):
docs/movements.md."""

from django.core.management.base import BaseCommand

from movements.figures import figures_refresh


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="Recompute every period (after a restore, or when in doubt)."
        )

    def handle(self, *args, rebuild, **options):
        done = figures_refresh(rebuild=rebuild)
        self.stdout.write(
            f"{done['arrival_periods']} periods of arrivals and {done['flow_periods']} of flow counts recomputed "
            f"in {done['seconds']:.1f} s"
        )
