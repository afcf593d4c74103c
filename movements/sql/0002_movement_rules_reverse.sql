DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['movements_arrival', 'movements_arrivalevent', 'movements_arrivalmember',
    'movements_arrivalmemberevent', 'movements_flowcount', 'movements_flowcountevent', 'movements_idpsite',
    'movements_idpsiteevent', 'movements_sitepopulationestimate', 'movements_sitepopulationestimateevent']
  LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS history_is_never_skipped ON %I', t);
  END LOOP;
END $$;
ALTER TABLE movements_flowcount DROP CONSTRAINT IF EXISTS flow_count_split_adds_up;
ALTER TABLE movements_flowcount DROP CONSTRAINT IF EXISTS flow_counts_not_negative;
DROP TRIGGER IF EXISTS family_arrival_has_members ON movements_arrivalmember;
DROP TRIGGER IF EXISTS family_arrival_has_members ON movements_arrival;
DROP FUNCTION IF EXISTS movements_arrival_member_check();
DROP FUNCTION IF EXISTS movements_arrival_members_check();
DROP FUNCTION IF EXISTS movements_arrival_members_problem(bigint);
DROP TRIGGER IF EXISTS household_location_history_is_append_only ON movements_householdlocation;
DROP FUNCTION IF EXISTS movements_location_append_only();
DROP TRIGGER IF EXISTS household_location_in_afghanistan ON movements_householdlocation;
DROP FUNCTION IF EXISTS movements_location_area_check();
DROP TRIGGER IF EXISTS idp_site_inside_its_province ON movements_idpsite;
DROP FUNCTION IF EXISTS movements_idp_site_check();
DROP TRIGGER IF EXISTS arrival_destination_in_afghanistan ON movements_arrival;
DROP FUNCTION IF EXISTS movements_arrival_destination_check();
DROP FUNCTION IF EXISTS movements_area_problem(bigint, bigint);
