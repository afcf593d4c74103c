"""The duplicate check's candidate search before the index-ordered one (households 0007): kept as the reference
that the present search is held against, by tests/households/test_duplicates_at_scale.py and
bench/households_duplicates.py."""

# Every head whose name key is trigram-similar to the probe's (GIN index), the CANDIDATE_LIMIT most similar kept.
TRIGRAM_FILTER = """
    WITH probe AS (
        SELECT households_name_key(%(name)s) AS name_key,
               households_name_key(%(father)s) AS father_key,
               households_name_key(%(name_local)s) AS local_key,
               households_name_key(%(father_local)s) AS local_father_key
    ), found AS (
        SELECT p.household_id, p.name_key, p.father_name_key, p.local_name_key, p.local_father_name_key,
               p.date_of_birth
          FROM households_person p, probe
         WHERE p.relationship = 'head' AND probe.name_key <> '' AND p.name_key %% probe.name_key
         UNION
        SELECT p.household_id, p.name_key, p.father_name_key, p.local_name_key, p.local_father_name_key,
               p.date_of_birth
          FROM households_person p, probe
         WHERE p.relationship = 'head' AND probe.local_key <> '' AND p.local_name_key %% probe.local_key
    )
    SELECT found.household_id,
           similarity(found.name_key, probe.name_key),
           CASE WHEN found.local_name_key <> '' AND probe.local_key <> ''
                THEN similarity(found.local_name_key, probe.local_key) END,
           CASE WHEN found.father_name_key <> '' AND probe.father_key <> ''
                THEN similarity(found.father_name_key, probe.father_key) END,
           CASE WHEN found.local_father_name_key <> '' AND probe.local_father_key <> ''
                THEN similarity(found.local_father_name_key, probe.local_father_key) END,
           found.date_of_birth,
           (SELECT h.origin_district_id FROM households_household h WHERE h.id = found.household_id)
      FROM found, probe
     WHERE found.household_id IS DISTINCT FROM %(exclude)s
     ORDER BY greatest(similarity(found.name_key, probe.name_key),
                       similarity(found.local_name_key, probe.local_key)) DESC, found.household_id
     LIMIT %(limit)s
"""
