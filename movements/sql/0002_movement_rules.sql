-- Returns and displacement: the rules that protect the movement records (docs/movements.md), whoever writes them:
-- the services, the admin, psql or QGIS. The services check the same first, for a sentence on the right field.
--
--   arrival_destination_in_afghanistan         an arrival's destination is a province of Afghanistan, and its
--                                              district, when given, a district of that province
--   idp_site_inside_its_province               a site is coded to a province (and a district of it), and lies in
--                                              that province's boundary (within 1 km) when the boundary is loaded
--   household_location_in_afghanistan          a location entry names a province (and a district of it)
--   family_arrival_has_members                 a family arrival has at least two members, someone travelling
--                                              alone exactly one (checked at commit)
--   flow_counts_not_negative                   no count below zero
--   flow_count_split_adds_up                   a split by sex, and by sex and age band, adds up to the total
--   household_location_history_is_append_only  a location entry is never changed or deleted
--
-- One flow count per key is the unique constraint one_flow_count_per_key (movements/models.py).

-- Why a province and district do not make a place in Afghanistan, or NULL when they do.
CREATE OR REPLACE FUNCTION movements_area_problem(province bigint, district bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT CASE
    WHEN province IS NULL THEN 'no province is given'
    WHEN NOT EXISTS (SELECT FROM parcels_adminarea a WHERE a.id = province AND a.level = 'province')
      THEN format('area %s is not a province of Afghanistan', province)
    WHEN district IS NOT NULL
         AND NOT EXISTS (SELECT FROM parcels_adminarea d WHERE d.id = district AND d.level = 'district')
      THEN format('area %s is not a district of Afghanistan', district)
    WHEN district IS NOT NULL
         AND NOT EXISTS (SELECT FROM parcels_adminarea d WHERE d.id = district AND d.parent_id = province)
      THEN format('district %s is not in province %s',
                  (SELECT pcode FROM parcels_adminarea WHERE id = district),
                  (SELECT pcode FROM parcels_adminarea WHERE id = province))
  END
$$;

CREATE OR REPLACE FUNCTION movements_arrival_destination_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  problem text := movements_area_problem(NEW.destination_province_id, NEW.destination_district_id);
BEGIN
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('arrival_destination_in_afghanistan', format('arrival %s: %s', NEW.id, problem));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER arrival_destination_in_afghanistan
  BEFORE INSERT OR UPDATE OF destination_province_id, destination_district_id ON movements_arrival
  FOR EACH ROW EXECUTE FUNCTION movements_arrival_destination_check();

CREATE OR REPLACE FUNCTION movements_idp_site_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  problem text := movements_area_problem(NEW.province_id, NEW.district_id);
  boundary geometry;
BEGIN
  IF problem IS NULL THEN
    SELECT geom INTO boundary FROM parcels_adminarea WHERE id = coalesce(NEW.district_id, NEW.province_id);
    IF boundary IS NULL THEN
      SELECT geom INTO boundary FROM parcels_adminarea WHERE id = NEW.province_id;
    END IF;
    IF NEW.geom IS NULL OR ST_IsEmpty(NEW.geom) THEN
      problem := 'the site has no location';
    ELSIF boundary IS NOT NULL AND NOT ST_DWithin(NEW.geom::geography, boundary::geography, 1000) THEN
      problem := format('the site lies outside %s',
                        (SELECT name_en || ' (' || pcode || ')' FROM parcels_adminarea
                          WHERE id = coalesce(NEW.district_id, NEW.province_id)));
    END IF;
  END IF;
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('idp_site_inside_its_province', format('site %s: %s', NEW.code, problem));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER idp_site_inside_its_province
  BEFORE INSERT OR UPDATE OF province_id, district_id, geom ON movements_idpsite
  FOR EACH ROW EXECUTE FUNCTION movements_idp_site_check();

CREATE OR REPLACE FUNCTION movements_location_area_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  problem text := coalesce(movements_area_problem(NEW.province_id, NEW.district_id),
                           movements_area_problem(NEW.recorded_in_id, NULL));
BEGIN
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('household_location_in_afghanistan', format('household %s: %s', NEW.household_id, problem));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER household_location_in_afghanistan
  BEFORE INSERT ON movements_householdlocation
  FOR EACH ROW EXECUTE FUNCTION movements_location_area_check();

-- A location entry is history: never changed, never deleted.
CREATE OR REPLACE FUNCTION movements_location_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM landreg_raise('household_location_history_is_append_only', format(
    'entry %s of household %s cannot be %s; record a new entry instead', OLD.id, OLD.household_id,
    CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END));
  RETURN NULL;
END $$;

CREATE TRIGGER household_location_history_is_append_only
  BEFORE UPDATE OR DELETE ON movements_householdlocation
  FOR EACH ROW EXECUTE FUNCTION movements_location_append_only();

-- A family arrives with its members, someone alone as one member: judged at commit, after the arrival and its
-- members are all written (the service asks for it at once: SET CONSTRAINTS family_arrival_has_members IMMEDIATE).
CREATE OR REPLACE FUNCTION movements_arrival_members_problem(arrival bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT CASE
    WHEN a.travelling = 'family' AND m.n < 2 THEN format('arrival %s travels as a family with %s member(s)', a.id, m.n)
    WHEN a.travelling = 'alone' AND m.n <> 1 THEN format('arrival %s travels alone with %s members', a.id, m.n)
  END
    FROM movements_arrival a,
         LATERAL (SELECT count(*) AS n FROM movements_arrivalmember WHERE arrival_id = a.id) m
   WHERE a.id = arrival
$$;

CREATE OR REPLACE FUNCTION movements_arrival_members_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  problem text := movements_arrival_members_problem(NEW.id);
BEGIN
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('family_arrival_has_members', problem);
  END IF;
  RETURN NULL;
END $$;

-- A member added, moved or removed: the arrivals it belongs or belonged to (a deleted arrival is not judged).
CREATE OR REPLACE FUNCTION movements_arrival_member_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  problem text;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    problem := movements_arrival_members_problem(NEW.arrival_id);
  END IF;
  IF problem IS NULL AND TG_OP IN ('UPDATE', 'DELETE') THEN
    problem := movements_arrival_members_problem(OLD.arrival_id);
  END IF;
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('family_arrival_has_members', problem);
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER family_arrival_has_members
  AFTER INSERT OR UPDATE OF travelling ON movements_arrival
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION movements_arrival_members_check();

CREATE CONSTRAINT TRIGGER family_arrival_has_members
  AFTER INSERT OR UPDATE OF arrival_id OR DELETE ON movements_arrivalmember
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION movements_arrival_member_check();

-- Flow counts: never below zero; a split adds up. The sex split (female, male) is given whole or not at all, and so
-- is the sex and age split (the eight cells); each adds up to the total, and the cells of each sex to its count.
ALTER TABLE movements_flowcount ADD CONSTRAINT flow_counts_not_negative CHECK (
  total >= 0 AND coalesce(female, 0) >= 0 AND coalesce(male, 0) >= 0
  AND coalesce(f_0_4, 0) >= 0 AND coalesce(f_5_17, 0) >= 0 AND coalesce(f_18_59, 0) >= 0
  AND coalesce(f_60_plus, 0) >= 0 AND coalesce(m_0_4, 0) >= 0 AND coalesce(m_5_17, 0) >= 0
  AND coalesce(m_18_59, 0) >= 0 AND coalesce(m_60_plus, 0) >= 0
);

ALTER TABLE movements_flowcount ADD CONSTRAINT flow_count_split_adds_up CHECK (
  (female IS NULL) = (male IS NULL)
  AND (female IS NULL OR female + male = total)
  AND (num_nulls(f_0_4, f_5_17, f_18_59, f_60_plus, m_0_4, m_5_17, m_18_59, m_60_plus) IN (0, 8))
  AND (f_0_4 IS NULL
       OR (f_0_4 + f_5_17 + f_18_59 + f_60_plus + m_0_4 + m_5_17 + m_18_59 + m_60_plus = total
           AND (female IS NULL OR (f_0_4 + f_5_17 + f_18_59 + f_60_plus = female
                                   AND m_0_4 + m_5_17 + m_18_59 + m_60_plus = male))))
);

-- The tables whose history django-pghistory keeps, and their event tables: no client skips the history.
SELECT landreg_guard_history(t::regclass) FROM unnest(ARRAY[
  'movements_arrival', 'movements_arrivalevent', 'movements_arrivalmember', 'movements_arrivalmemberevent',
  'movements_flowcount', 'movements_flowcountevent', 'movements_idpsite', 'movements_idpsiteevent',
  'movements_sitepopulationestimate', 'movements_sitepopulationestimateevent'
]) AS t;

-- django-pgtrigger re-created its helper functions without a search path when this app's history triggers were
-- installed: every function of the project runs with `public, pg_temp` (shelters/sql/0007).
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
       AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%')
  LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = public, pg_temp', f);
  END LOOP;
END $$;
