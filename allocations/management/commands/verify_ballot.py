"""Re-run a ballot's draw from its published seed and lists, and say whether it matches the recorded result."""

from django.core.management.base import BaseCommand, CommandError

from allocations.ballots import ALGORITHM, ballot_verify
from allocations.models import Ballot


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("reference", help="The ballot reference, e.g. NAN-SMD-2026-R1")

    def handle(self, *args, reference, **options):
        try:
            ballot = Ballot.objects.get(reference=reference)
        except Ballot.DoesNotExist:
            raise CommandError(f"No ballot with reference {reference}.") from None
        self.stdout.write(f"ballot {ballot.reference}, seed {ballot.seed}, {ALGORITHM}")
        if ballot.status != Ballot.Status.DRAWN:
            self.stdout.write(f"not drawn yet ({ballot.get_status_display().lower()}): nothing to verify")
            return
        ok, differences = ballot_verify(ballot)
        for line in differences:
            self.stdout.write(f"  {line}")
        if not ok:
            raise CommandError("The recorded result does NOT match the draw from the seed.")
        self.stdout.write(self.style.SUCCESS(f"verified: {ballot.results.count()} draws match the seed"))
