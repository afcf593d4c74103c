-- The matching table (docs/livelihoods.md, "Matching at speed"): livelihoods_matchprofile holds one narrow row per
-- skills profile with everything the ranking reads of the person, the household and where it is located
-- (livelihoods/matching.py), so that ranking 200,000 people reads one table instead of joining five.
--
-- It is derived data and refuses nothing, but it is never stale: statement-level triggers on every table it reads
-- (skills profiles, occupations, persons, households, allocations, household locations) recompute the rows of the
-- households a statement touched, whoever writes (Django, psql, the admin), in the same transaction. Statement-level
-- with transition tables, so a bulk import pays one refresh per statement, not one per row; inserting households
-- or persons fires nothing at all (a new person has no skills profile yet).
--
-- What is not copied, because it is measured or looked up at query time: a plot's township and district (a plot
-- may be redrawn into another township, and townships_plot carries no trigger of ours), the IDP site's outline,
-- the district's outline.
--
-- Two writers of the same household are serialised by a lock on the household's row (FOR NO KEY UPDATE, which a
-- foreign-key check does not wait for), taken before anything is read, and each refresh reads its sources in a
-- statement started after that lock, so under READ COMMITTED the last refresh sees the other's committed change
-- (even a profile the other is writing: so the triggers never skip a household because it has no row yet, but
-- where their own UPDATE holds the household's lock). A rebuild from scratch locks the table against refreshes for
-- its duration.
--
-- The table holds personal data: no GIS login is granted it, nor its source view, nor these functions.
-- Every function runs with a fixed search_path, so it survives pg_dump and restore.

------------------------------------------------------------------------------------------------------------
-- The rows as the sources say they are: one per skills profile. A household is located by the plot of its
-- allocation that holds one (approved or later: livelihoods/matching.py's HELD_STATUSES; at most one, by
-- one_active_allocation_per_household), and by the IDP site of its latest recorded location.
CREATE OR REPLACE VIEW livelihoods_matchprofile_source AS
SELECT s.id AS profile_id, p.id AS person_id, h.id AS household_id, h.province_id, p.sex, p.date_of_birth,
       h.category, h.current_district_id, h.female_headed, h.disability, h.elderly_head, h.unaccompanied_child,
       h.chronic_illness, al.plot_id, loc.site_id, s.max_travel_km, s.workplace_accepted, s.can_work_outside_home,
       coalesce(occ.isco_codes, '{}')::varchar(4)[] AS isco_codes, coalesce(occ.years, '{}')::numeric(4, 1)[] AS years
  FROM livelihoods_skillsprofile s
  JOIN households_person p ON p.id = s.person_id
  JOIN households_household h ON h.id = p.household_id
  LEFT JOIN allocations_allocation al
         ON al.household_id = h.id
        AND al.status IN ('approved', 'assigned', 'letter_issued', 'handed_over', 'occupied', 'titled')
  LEFT JOIN LATERAL (SELECT hl.site_id FROM movements_householdlocation hl WHERE hl.household_id = h.id
                      ORDER BY hl.since DESC, hl.id DESC LIMIT 1) loc ON true
  LEFT JOIN LATERAL (SELECT array_agg(oc.isco_code ORDER BY oc.isco_code) AS isco_codes,
                            array_agg(oc.years ORDER BY oc.isco_code) AS years
                       FROM livelihoods_occupation oc WHERE oc.profile_id = s.id) occ ON true;

COMMENT ON VIEW livelihoods_matchprofile_source IS
  'landreg: what livelihoods_matchprofile must hold, from its sources (personal data; no GIS login)';

------------------------------------------------------------------------------------------------------------
-- Recompute the rows of some households (their profiles, wherever they are now).
CREATE OR REPLACE FUNCTION livelihood_match_profiles_refresh(households bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
BEGIN
  IF households IS NULL OR cardinality(households) = 0 THEN
    RETURN;
  END IF;
  -- One refresh of a household at a time; the statements below start after the lock, so they see what the
  -- writer before us committed.
  PERFORM 1 FROM households_household WHERE id = ANY (households) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM livelihoods_matchprofile WHERE household_id = ANY (households);
  INSERT INTO livelihoods_matchprofile SELECT * FROM livelihoods_matchprofile_source WHERE household_id = ANY (households);
END $$;

-- The whole table from scratch (manage.py rebuild_match_profiles, and after a TRUNCATE of a source). Refreshes
-- wait for it (SHARE ROW EXCLUSIVE conflicts with their row writes). Returns the number of rows.
CREATE OR REPLACE FUNCTION livelihood_match_profiles_rebuild() RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE
  n bigint;
BEGIN
  LOCK TABLE livelihoods_matchprofile IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM livelihoods_matchprofile;
  INSERT INTO livelihoods_matchprofile SELECT * FROM livelihoods_matchprofile_source;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

------------------------------------------------------------------------------------------------------------
-- The trigger: which households a statement touched, by table and operation. Changes to columns the table does
-- not copy (a profile's education, a household's status, a person's name) refresh nothing. SECURITY DEFINER, so
-- that a role allowed to write a source but granted nothing on the matching table keeps it exact all the same.
CREATE OR REPLACE FUNCTION livelihood_match_profiles_follow() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  touched bigint[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM livelihood_match_profiles_rebuild();
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'livelihoods_skillsprofile' THEN
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(DISTINCT p.household_id) INTO touched
        FROM new_rows n JOIN households_person p ON p.id = n.person_id;
    ELSIF TG_OP = 'UPDATE' THEN
      SELECT array_agg(DISTINCT hh) INTO touched FROM (
        SELECT p.household_id AS hh FROM old_rows o JOIN new_rows n ON n.id = o.id
          JOIN households_person p ON p.id IN (o.person_id, n.person_id)
         WHERE (o.person_id, o.max_travel_km, o.workplace_accepted, o.can_work_outside_home)
               IS DISTINCT FROM (n.person_id, n.max_travel_km, n.workplace_accepted, n.can_work_outside_home)
        UNION
        SELECT m.household_id FROM old_rows o JOIN livelihoods_matchprofile m ON m.profile_id = o.id
          JOIN new_rows n ON n.id = o.id WHERE o.person_id IS DISTINCT FROM n.person_id) t;
    ELSE
      SELECT array_agg(DISTINCT m.household_id) INTO touched
        FROM old_rows o JOIN livelihoods_matchprofile m ON m.profile_id = o.id;
    END IF;
  ELSIF TG_TABLE_NAME = 'livelihoods_occupation' THEN
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(DISTINCT p.household_id) INTO touched
        FROM (SELECT DISTINCT profile_id FROM new_rows) c
        JOIN livelihoods_skillsprofile s ON s.id = c.profile_id JOIN households_person p ON p.id = s.person_id;
    ELSIF TG_OP = 'UPDATE' THEN
      SELECT array_agg(DISTINCT hh) INTO touched FROM (
        SELECT m.household_id AS hh FROM livelihoods_matchprofile m
         WHERE m.profile_id IN (SELECT o.profile_id FROM old_rows o JOIN new_rows n ON n.id = o.id
                                 WHERE (o.profile_id, o.isco_code, o.years) IS DISTINCT FROM (n.profile_id, n.isco_code, n.years))
        UNION
        SELECT p.household_id FROM livelihoods_skillsprofile s JOIN households_person p ON p.id = s.person_id
         WHERE s.id IN (SELECT n.profile_id FROM old_rows o JOIN new_rows n ON n.id = o.id
                         WHERE (o.profile_id, o.isco_code, o.years) IS DISTINCT FROM (n.profile_id, n.isco_code, n.years))) t;
    ELSE
      SELECT array_agg(DISTINCT m.household_id) INTO touched
        FROM livelihoods_matchprofile m WHERE m.profile_id IN (SELECT profile_id FROM old_rows);
    END IF;
  ELSIF TG_TABLE_NAME = 'households_person' THEN
    -- UPDATE only: a person inserted has no profile yet, and one with a profile is deleted after it.
    SELECT array_agg(DISTINCT hh) INTO touched FROM (
      SELECT unnest(ARRAY[o.household_id, n.household_id]) AS hh
        FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o.household_id, o.sex, o.date_of_birth) IS DISTINCT FROM (n.household_id, n.sex, n.date_of_birth)) t;
  ELSIF TG_TABLE_NAME = 'households_household' THEN
    -- UPDATE only: a household inserted has no member with a profile yet. The UPDATE holds the rows' locks
    -- already, so a profile another transaction is writing in them is committed (and seen here) or waits for us.
    SELECT array_agg(n.id) INTO touched
      FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE (o.province_id, o.category, o.current_district_id, o.female_headed, o.disability, o.elderly_head,
            o.unaccompanied_child, o.chronic_illness)
           IS DISTINCT FROM (n.province_id, n.category, n.current_district_id, n.female_headed, n.disability,
                             n.elderly_head, n.unaccompanied_child, n.chronic_illness)
       AND EXISTS (SELECT 1 FROM livelihoods_matchprofile m WHERE m.household_id = n.id);
  ELSIF TG_TABLE_NAME = 'allocations_allocation' THEN
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(DISTINCT household_id) INTO touched FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
      SELECT array_agg(DISTINCT hh) INTO touched FROM (
        SELECT unnest(ARRAY[o.household_id, n.household_id]) AS hh
          FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE (o.household_id, o.plot_id, o.status) IS DISTINCT FROM (n.household_id, n.plot_id, n.status)) t;
    ELSE
      SELECT array_agg(DISTINCT household_id) INTO touched FROM old_rows;
    END IF;
  ELSIF TG_TABLE_NAME = 'movements_householdlocation' THEN
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(DISTINCT household_id) INTO touched FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
      SELECT array_agg(DISTINCT hh) INTO touched FROM (
        SELECT unnest(ARRAY[o.household_id, n.household_id]) AS hh
          FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE (o.household_id, o.site_id, o.since) IS DISTINCT FROM (n.household_id, n.site_id, n.since)) t;
    ELSE
      SELECT array_agg(DISTINCT household_id) INTO touched FROM old_rows;
    END IF;
  END IF;
  PERFORM livelihood_match_profiles_refresh(touched);
  RETURN NULL;
END $$;

REVOKE ALL ON FUNCTION livelihood_match_profiles_refresh(bigint[]), livelihood_match_profiles_rebuild(),
                       livelihood_match_profiles_follow() FROM PUBLIC;

------------------------------------------------------------------------------------------------------------
-- One trigger per table and operation (a trigger with transition tables takes one event).
DO $$
DECLARE
  source text;
BEGIN
  FOREACH source IN ARRAY ARRAY['livelihoods_skillsprofile', 'livelihoods_occupation', 'allocations_allocation',
                                'movements_householdlocation'] LOOP
    EXECUTE format('CREATE TRIGGER match_profiles_follow_inserts AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION livelihood_match_profiles_follow()', source);
    EXECUTE format('CREATE TRIGGER match_profiles_follow_deletes AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION livelihood_match_profiles_follow()', source);
  END LOOP;
  FOREACH source IN ARRAY ARRAY['livelihoods_skillsprofile', 'livelihoods_occupation', 'allocations_allocation',
                                'movements_householdlocation', 'households_person', 'households_household'] LOOP
    EXECUTE format('CREATE TRIGGER match_profiles_follow_updates AFTER UPDATE ON %I '
                   'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION livelihood_match_profiles_follow()', source);
    EXECUTE format('CREATE TRIGGER match_profiles_follow_truncates AFTER TRUNCATE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION livelihood_match_profiles_follow()', source);
  END LOOP;
END $$;

-- The rows of the profiles recorded before this migration.
SELECT livelihood_match_profiles_rebuild();
