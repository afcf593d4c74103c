DO $$
DECLARE
  source text;
BEGIN
  FOREACH source IN ARRAY ARRAY['livelihoods_skillsprofile', 'livelihoods_occupation', 'allocations_allocation',
                                'movements_householdlocation', 'households_person', 'households_household'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS match_profiles_follow_inserts ON %I', source);
    EXECUTE format('DROP TRIGGER IF EXISTS match_profiles_follow_deletes ON %I', source);
    EXECUTE format('DROP TRIGGER IF EXISTS match_profiles_follow_updates ON %I', source);
    EXECUTE format('DROP TRIGGER IF EXISTS match_profiles_follow_truncates ON %I', source);
  END LOOP;
END $$;
DROP FUNCTION IF EXISTS livelihood_match_profiles_follow();
DROP FUNCTION IF EXISTS livelihood_match_profiles_rebuild();
DROP FUNCTION IF EXISTS livelihood_match_profiles_refresh(bigint[]);
DROP VIEW IF EXISTS livelihoods_matchprofile_source;
