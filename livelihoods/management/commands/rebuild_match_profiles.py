"""manage.py rebuild_match_profiles: rebuild the matching table (livelihoods_matchprofile) from its sources."""

from django.core.management.base import BaseCommand

from livelihoods.matching import match_profiles_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the matching table, one row per skills profile, from the profiles, occupations, people, households, "
        "allocations and household locations. The database's triggers keep it exact; run this to repair it after a "
        "restore or a bulk load with the triggers switched off. Prints how many rows differed and how many there are."
    )

    def handle(self, *args, **options):
        differed, rows = match_profiles_rebuild()
        self.stdout.write(f"{differed} rows differed from their sources; the table now holds {rows} profiles.")
