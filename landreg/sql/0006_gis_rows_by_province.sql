-- Row-level security by province for GIS editors: a login in landreg_gis_editor sees and edits only the
-- townships of its provinces, and their blocks, plots and facilities. Its provinces are the rows of
-- landreg_gisloginprovince for its role name (manage.py create_gis_login --province); a row without a
-- province makes a national login, and a login without rows sees nothing.
--
-- Everyone else is governed by grants alone: each table gets a permissive policy that lets through what the
-- grants allow, and the editors' policy is RESTRICTIVE, so it can only narrow. The application role owns the
-- tables and RLS is not FORCEd, so Django, the API and the database triggers it fires are unaffected.

-- The provinces a login works in. SECURITY DEFINER so that editors need no grant on the table of logins.
CREATE OR REPLACE FUNCTION landreg_gis_login_provinces(login name) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT a.id FROM parcels_adminarea a
   WHERE a.level = 'province'
     AND EXISTS (SELECT FROM landreg_gisloginprovince g
                  WHERE g.role_name = login AND (g.province_id IS NULL OR g.province_id = a.id))
$$;

-- The townships in those provinces (read as the owner, so this does not recurse into the township policy).
CREATE OR REPLACE FUNCTION landreg_gis_login_townships(login name) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.id FROM townships_township t WHERE t.province_id IN (SELECT landreg_gis_login_provinces(login))
$$;

-- The WITH CHECK of the editors' policies: true when the login works in the province; otherwise the write is
-- refused with an error that names the rule, like every land rule, rather than PostgreSQL's bare
-- "new row violates row-level security policy".
CREATE OR REPLACE FUNCTION landreg_gis_login_may_edit(login name, province bigint, what text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  here text;
  allowed text;
BEGIN
  IF province IN (SELECT landreg_gis_login_provinces(login)) THEN
    RETURN true;
  END IF;
  SELECT pcode INTO here FROM parcels_adminarea WHERE id = province;
  SELECT string_agg(coalesce(a.pcode, 'every province'), ', ' ORDER BY a.pcode) INTO allowed
    FROM landreg_gisloginprovince g LEFT JOIN parcels_adminarea a ON a.id = g.province_id
   WHERE g.role_name = login;
  PERFORM landreg_raise('township_in_login_provinces', format(
    '%s: the township is in province %s, and login %s edits townships in %s only',
    what, coalesce(here, '(none)'), login, coalesce(allowed, 'no province (ask an administrator)')));
  RETURN false;
END $$;

CREATE OR REPLACE FUNCTION landreg_gis_login_may_edit_township(login name, township bigint, what text)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  -- A township that does not exist is left to the foreign key, which names it at commit.
  SELECT coalesce((SELECT landreg_gis_login_may_edit(login, t.province_id, what)
                     FROM townships_township t WHERE t.id = township), true)
$$;

REVOKE ALL ON FUNCTION landreg_gis_login_provinces(name), landreg_gis_login_townships(name),
                       landreg_gis_login_may_edit(name, bigint, text),
                       landreg_gis_login_may_edit_township(name, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION landreg_gis_login_provinces(name), landreg_gis_login_townships(name),
                          landreg_gis_login_may_edit(name, bigint, text),
                          landreg_gis_login_may_edit_township(name, bigint, text) TO landreg_gis_editor;

ALTER TABLE townships_township ENABLE ROW LEVEL SECURITY;
CREATE POLICY access_as_granted ON townships_township USING (true) WITH CHECK (true);
CREATE POLICY gis_editor_works_in_its_provinces ON townships_township AS RESTRICTIVE TO landreg_gis_editor
  USING (province_id IN (SELECT landreg_gis_login_provinces(current_user)))
  WITH CHECK (landreg_gis_login_may_edit(current_user, province_id, format('township %s', name)));

ALTER TABLE townships_block ENABLE ROW LEVEL SECURITY;
CREATE POLICY access_as_granted ON townships_block USING (true) WITH CHECK (true);
CREATE POLICY gis_editor_works_in_its_provinces ON townships_block AS RESTRICTIVE TO landreg_gis_editor
  USING (township_id IN (SELECT landreg_gis_login_townships(current_user)))
  WITH CHECK (landreg_gis_login_may_edit_township(current_user, township_id, format('block %s', code)));

ALTER TABLE townships_plot ENABLE ROW LEVEL SECURITY;
CREATE POLICY access_as_granted ON townships_plot USING (true) WITH CHECK (true);
CREATE POLICY gis_editor_works_in_its_provinces ON townships_plot AS RESTRICTIVE TO landreg_gis_editor
  USING (township_id IN (SELECT landreg_gis_login_townships(current_user)))
  WITH CHECK (landreg_gis_login_may_edit_township(current_user, township_id, format('plot %s', number)));

ALTER TABLE townships_facility ENABLE ROW LEVEL SECURITY;
CREATE POLICY access_as_granted ON townships_facility USING (true) WITH CHECK (true);
CREATE POLICY gis_editor_works_in_its_provinces ON townships_facility AS RESTRICTIVE TO landreg_gis_editor
  USING (township_id IN (SELECT landreg_gis_login_townships(current_user)))
  WITH CHECK (landreg_gis_login_may_edit_township(current_user, township_id, format('facility %s', id)));
