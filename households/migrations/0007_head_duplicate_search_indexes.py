"""Indexes of heads for the duplicate search of households/duplicates.py (its _CANDIDATES query).

- GiST (trigram) on heads' name keys, Latin and Arabic script: the nearest heads by name, read in order of distance.
- B-tree on heads' name keys: every head with exactly the probe's key (a common name is shared by hundreds).
- B-tree on heads' dates of birth: every head born on the probe's date.

The b-trees carry what the score compares (INCLUDE), so those two branches read the index alone. All are partial
(heads only): members are never duplicate candidates.
"""

from django.db import migrations

# Bytes of trigram signature in the GiST's inner pages (12 by default). Names are short and share trigrams ("ahmad"
# in a sixtieth of them): with 12 bytes the inner signatures fill with ones and a nearest-neighbour search reads the
# whole index; with 256 it reads about half as much (bench/households_duplicates.py).
SIGNATURE = 256
COMPARED = ["household_id", "name_key", "father_name_key", "local_name_key", "local_father_name_key", "date_of_birth"]


def btree(column: str) -> str:
    return f"({column}) INCLUDE ({', '.join(c for c in COMPARED if c != column)})"


INDEXES = [
    ("person_head_name_key_gist_idx", f"USING gist (name_key gist_trgm_ops(siglen={SIGNATURE}))"),
    ("person_head_local_name_key_gist_idx", f"USING gist (local_name_key gist_trgm_ops(siglen={SIGNATURE}))"),
    ("person_head_name_key_idx", btree("name_key")),
    ("person_head_local_name_key_idx", btree("local_name_key")),
    ("person_head_birth_idx", btree("date_of_birth")),
]


class Migration(migrations.Migration):
    dependencies = [("households", "0006_return_evidence")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {name} ON households_person {how} WHERE relationship = 'head'",
            f"DROP INDEX {name}",
        )
        for name, how in INDEXES
    ]
