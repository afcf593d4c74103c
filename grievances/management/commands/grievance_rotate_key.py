"""manage.py grievance_rotate_key: seal every sensitive grievance's description and notes again under the newest
key of GRIEVANCE_KEYS, so that older keys can be retired (docs/grievances.md, "The key")."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from grievances.sealing import reseal_all, texts_by_key


class Command(BaseCommand):
    help = (
        "Re-seal every sealed grievance description and step note under the newest key of GRIEVANCE_KEYS (the "
        "first). Put the new key first, keep the old ones after it, run this, check, then remove the old keys. "
        "--check only counts what is not yet under the newest key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Count only; change nothing.")
        parser.add_argument("--batch", type=int, default=500, help="Rows per transaction (default 500).")

    def handle(self, *args, check=False, batch=500, **options):
        try:
            if check:
                newest, older = texts_by_key()
                self.stdout.write(f"{newest} sealed text(s) under the newest key, {older} under an older key.")
                if older:
                    raise CommandError("Some texts are still sealed under an older key: run grievance_rotate_key.")
                return
            grievances, steps = reseal_all(batch=batch)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Re-sealed {grievances} grievance description(s) and {steps} step note(s) under the newest key."
        )
