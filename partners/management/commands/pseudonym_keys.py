"""Rotate one data-sharing agreement's pseudonym key, or forget the keys of agreements that have ended: after
either, nobody can recompute the household codes given out before (docs/partners.md)."""

from django.core.management.base import BaseCommand, CommandError

from landreg.models import DataSharingAgreement
from landreg.sharing import pseudonym_key_rotate, pseudonym_keys_of_ended_forget


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--rotate", metavar="REFERENCE", help="The agreement whose key is replaced.")
        action.add_argument("--forget-ended", action="store_true", help="Forget the keys of every ended agreement.")

    def handle(self, *args, rotate, forget_ended, **options):
        if forget_ended:
            references = pseudonym_keys_of_ended_forget()
            self.stdout.write(f"forgot the keys of {len(references)} ended agreement(s): {', '.join(references)}")
            return
        agreement = DataSharingAgreement.objects.filter(reference=rotate).first()
        if agreement is None:
            raise CommandError(f"There is no data-sharing agreement {rotate!r}.")
        pseudonym_key_rotate(agreement=agreement)
        self.stdout.write(f"{agreement.reference}: the next export has new household codes")
