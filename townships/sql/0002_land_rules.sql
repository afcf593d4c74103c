-- Land rules for townships, blocks and plots (docs/domain.md, rules 1 and 2), enforced by PostGIS so that
-- every client obeys them: Django, the admin, psql, QGIS. Each rule raises an error whose message starts
-- with the rule's name and whose CONSTRAINT field is that name, so QGIS users and Django both see it.

-- Areas smaller than this (m²) are floating-point noise from reprojection, not real overlaps or overhangs.
CREATE OR REPLACE FUNCTION landreg_tolerance_m2() RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 0.01::double precision $$;

-- The UTM zone (EPSG code) a geometry in Afghanistan is measured in, from its centroid's longitude.
CREATE OR REPLACE FUNCTION landreg_utm_srid(g geometry) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN ST_X(ST_Centroid(g)) < 66 THEN 32641
              WHEN ST_X(ST_Centroid(g)) < 72 THEN 32642
              ELSE 32643 END
$$;

CREATE OR REPLACE FUNCTION landreg_raise(rule text, detail text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%: %', rule, detail USING ERRCODE = 'check_violation', CONSTRAINT = rule;
END $$;

-- Why a geometry is unacceptable, or NULL when it is fine.
CREATE OR REPLACE FUNCTION landreg_geometry_problem(g geometry) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN g IS NULL THEN 'the geometry is missing'
              WHEN ST_IsEmpty(g) THEN 'the geometry is empty'
              WHEN NOT ST_IsValid(g) THEN 'the geometry is invalid (' || ST_IsValidReason(g) || ')'
         END
$$;

-- Area (m²) of the part of g that lies outside container, measured in a UTM zone; 0 when covered.
CREATE OR REPLACE FUNCTION landreg_area_outside(g geometry, container geometry, srid integer)
RETURNS double precision LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN ST_CoveredBy(g, container) THEN 0
              ELSE ST_Area(ST_Transform(ST_Difference(g, container), srid)) END
$$;

------------------------------------------------------------------------------------------------------
-- Townships: the UTM zone is derived; the boundary must stay around its blocks and plots.

CREATE OR REPLACE FUNCTION township_derive_utm_zone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE problem text := landreg_geometry_problem(NEW.geom);
BEGIN
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('township_geometry_valid', format('township %s: %s', NEW.name, problem));
  END IF;
  NEW.utm_srid := landreg_utm_srid(NEW.geom);
  RETURN NEW;
END $$;

CREATE TRIGGER township_utm_zone_is_derived
  BEFORE INSERT OR UPDATE ON townships_township
  FOR EACH ROW EXECUTE FUNCTION township_derive_utm_zone();

CREATE OR REPLACE FUNCTION township_check_contents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  SELECT b.code, landreg_area_outside(b.geom, NEW.geom, NEW.utm_srid) AS outside INTO r
    FROM townships_block b
   WHERE b.township_id = NEW.id AND landreg_area_outside(b.geom, NEW.geom, NEW.utm_srid) > landreg_tolerance_m2()
   LIMIT 1;
  IF FOUND THEN
    PERFORM landreg_raise('block_inside_township', format(
      'the new boundary of township %s leaves %s m² of block %s outside', NEW.name, round(r.outside::numeric, 2), r.code));
  END IF;
  SELECT p.number, landreg_area_outside(p.geom, NEW.geom, NEW.utm_srid) AS outside INTO r
    FROM townships_plot p
   WHERE p.township_id = NEW.id AND landreg_area_outside(p.geom, NEW.geom, NEW.utm_srid) > landreg_tolerance_m2()
   LIMIT 1;
  IF FOUND THEN
    PERFORM landreg_raise('plot_inside_township', format(
      'the new boundary of township %s leaves %s m² of plot %s outside', NEW.name, round(r.outside::numeric, 2), r.number));
  END IF;
  IF NEW.utm_srid IS DISTINCT FROM OLD.utm_srid THEN
    -- Moved to another UTM zone: plot areas are re-measured there.
    UPDATE townships_plot SET area_m2 = NULL WHERE township_id = NEW.id;  -- plot_rules_on_change re-measures
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER township_contains_its_blocks_and_plots
  AFTER UPDATE OF geom ON townships_township
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom)
  EXECUTE FUNCTION township_check_contents();

------------------------------------------------------------------------------------------------------
-- Blocks: valid, inside their township, and still around their plots when reshaped.

CREATE OR REPLACE FUNCTION block_rule_violations(b_id bigint, b_township bigint, b_geom geometry)
RETURNS TABLE (rule text, detail text) LANGUAGE plpgsql STABLE AS $$
DECLARE
  t record;
  problem text := landreg_geometry_problem(b_geom);
  outside double precision;
  p record;
BEGIN
  IF problem IS NOT NULL THEN
    rule := 'block_geometry_valid'; detail := problem; RETURN NEXT; RETURN;
  END IF;
  SELECT name, geom, utm_srid INTO t FROM townships_township WHERE id = b_township;
  IF NOT FOUND THEN RETURN; END IF;  -- the foreign key reports a missing township
  outside := landreg_area_outside(b_geom, t.geom, t.utm_srid);
  IF outside > landreg_tolerance_m2() THEN
    rule := 'block_inside_township';
    detail := format('%s m² of the block lies outside township %s', round(outside::numeric, 2), t.name);
    RETURN NEXT;
  END IF;
  IF b_id IS NOT NULL THEN
    FOR p IN SELECT number, landreg_area_outside(geom, b_geom, t.utm_srid) AS outside
               FROM townships_plot WHERE block_id = b_id
    LOOP
      IF p.outside > landreg_tolerance_m2() THEN
        rule := 'plot_inside_block';
        detail := format('the block''s new shape leaves %s m² of plot %s outside', round(p.outside::numeric, 2), p.number);
        RETURN NEXT; RETURN;
      END IF;
    END LOOP;
  END IF;
END $$;

CREATE OR REPLACE FUNCTION block_enforce_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v record;
BEGIN
  FOR v IN SELECT * FROM block_rule_violations(CASE WHEN TG_OP = 'UPDATE' THEN NEW.id END, NEW.township_id, NEW.geom)
  LOOP
    PERFORM landreg_raise(v.rule, format('block %s: %s', NEW.code, v.detail));
  END LOOP;
  RETURN NEW;
END $$;

CREATE TRIGGER block_rules_on_insert
  BEFORE INSERT ON townships_block
  FOR EACH ROW EXECUTE FUNCTION block_enforce_rules();

CREATE TRIGGER block_rules_on_reshape
  BEFORE UPDATE ON townships_block
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom OR OLD.township_id IS DISTINCT FROM NEW.township_id)
  EXECUTE FUNCTION block_enforce_rules();

------------------------------------------------------------------------------------------------------
-- Plots: valid, inside their block and township, no overlap with the township's other plots,
-- area derived in the township's UTM zone.

CREATE OR REPLACE FUNCTION plot_rule_violations(p_id bigint, p_township bigint, p_block bigint, p_geom geometry)
RETURNS TABLE (rule text, detail text) LANGUAGE plpgsql STABLE AS $$
DECLARE
  t record;
  b record;
  o record;
  problem text := landreg_geometry_problem(p_geom);
  outside double precision;
BEGIN
  IF problem IS NOT NULL THEN
    rule := 'plot_geometry_valid'; detail := problem; RETURN NEXT; RETURN;
  END IF;
  SELECT name, geom, utm_srid INTO t FROM townships_township WHERE id = p_township;
  IF NOT FOUND THEN RETURN; END IF;  -- the foreign key reports a missing township
  outside := landreg_area_outside(p_geom, t.geom, t.utm_srid);
  IF outside > landreg_tolerance_m2() THEN
    rule := 'plot_inside_township';
    detail := format('%s m² of the plot lies outside township %s', round(outside::numeric, 2), t.name);
    RETURN NEXT;
  END IF;
  IF p_block IS NOT NULL THEN
    SELECT code, township_id, geom INTO b FROM townships_block WHERE id = p_block;
    IF FOUND AND b.township_id <> p_township THEN
      rule := 'plot_block_in_same_township';
      detail := format('block %s belongs to another township than %s', b.code, t.name);
      RETURN NEXT;
    ELSIF FOUND THEN
      outside := landreg_area_outside(p_geom, b.geom, t.utm_srid);
      IF outside > landreg_tolerance_m2() THEN
        rule := 'plot_inside_block';
        detail := format('%s m² of the plot lies outside block %s', round(outside::numeric, 2), b.code);
        RETURN NEXT;
      END IF;
    END IF;
  END IF;
  -- Interiors must not intersect: shared edges and corners are fine ('T********' is interior/interior).
  FOR o IN
    SELECT other.number,
           ST_Area(ST_Transform(ST_Intersection(other.geom, p_geom), t.utm_srid)) AS overlap
      FROM townships_plot other
     WHERE other.township_id + 0 = p_township  -- the spatial index alone; see plot_enforce_rules()
       AND other.id IS DISTINCT FROM p_id
       AND other.geom && p_geom
       AND ST_Relate(other.geom, p_geom, 'T********')
     ORDER BY other.number
  LOOP
    IF o.overlap > landreg_tolerance_m2() THEN
      rule := 'plots_do_not_overlap';
      detail := format('the plot overlaps plot %s by %s m²', o.number, round(o.overlap::numeric, 2));
      RETURN NEXT;
    END IF;
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION plot_enforce_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v record;
  srid integer;
  ok boolean;
BEGIN
  -- Writers of one township's plots take turns, so two concurrent transactions cannot each insert
  -- one half of an overlap without seeing the other (READ COMMITTED re-reads after the lock).
  PERFORM pg_advisory_xact_lock(hashtext('landreg.plots_of_township'), NEW.township_id::integer);
  -- Fast path: exact predicates say "all fine" for nearly every write. Only when they do not do we ask
  -- plot_rule_violations() which rule broke and by how many m², allowing for reprojection noise.
  -- (Three small queries are faster here than one joined query, measured in bench/plot_insert.py.)
  IF landreg_geometry_problem(NEW.geom) IS NULL THEN
    SELECT t.utm_srid, ST_CoveredBy(NEW.geom, t.geom) INTO srid, ok
      FROM townships_township t WHERE t.id = NEW.township_id;
    IF ok AND NEW.block_id IS NOT NULL THEN
      SELECT b.township_id = NEW.township_id AND ST_CoveredBy(NEW.geom, b.geom) INTO ok
        FROM townships_block b WHERE b.id = NEW.block_id;
    END IF;
    IF ok THEN
      -- "+ 0" keeps the planner on the spatial index alone; the township_id index would read every
      -- plot of the township (100,000 in a large one) for each insert.
      SELECT NOT EXISTS (SELECT 1 FROM townships_plot o
                          WHERE o.township_id + 0 = NEW.township_id AND o.id IS DISTINCT FROM NEW.id
                            AND o.geom && NEW.geom AND ST_Relate(o.geom, NEW.geom, 'T********'))
        INTO ok;
    END IF;
  END IF;
  IF ok IS DISTINCT FROM true THEN
    FOR v IN SELECT * FROM plot_rule_violations(CASE WHEN TG_OP = 'UPDATE' THEN NEW.id END,
                                                 NEW.township_id, NEW.block_id, NEW.geom)
    LOOP
      PERFORM landreg_raise(v.rule, format('plot %s: %s', NEW.number, v.detail));
    END LOOP;
    SELECT utm_srid INTO srid FROM townships_township WHERE id = NEW.township_id;
  END IF;
  -- The area is never typed in: whatever a client sends, it is measured in the township's UTM zone.
  NEW.area_m2 := round(ST_Area(ST_Transform(NEW.geom, srid))::numeric, 2);
  RETURN NEW;
END $$;

CREATE TRIGGER plot_rules_on_insert
  BEFORE INSERT ON townships_plot
  FOR EACH ROW EXECUTE FUNCTION plot_enforce_rules();

-- Checked again only when shape, township or block change, or someone writes the area: a status change
-- costs nothing.
CREATE TRIGGER plot_rules_on_change
  BEFORE UPDATE ON townships_plot
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom OR OLD.township_id IS DISTINCT FROM NEW.township_id
                     OR OLD.block_id IS DISTINCT FROM NEW.block_id OR OLD.area_m2 IS DISTINCT FROM NEW.area_m2)
  EXECUTE FUNCTION plot_enforce_rules();

------------------------------------------------------------------------------------------------------
-- Geometry validity as plain check constraints too, named for the rule (defence in depth).
ALTER TABLE townships_township ADD CONSTRAINT township_geometry_valid CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom));
ALTER TABLE townships_block ADD CONSTRAINT block_geometry_valid CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom));
ALTER TABLE townships_plot ADD CONSTRAINT plot_geometry_valid CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom));
ALTER TABLE townships_plot ADD CONSTRAINT plot_area_is_positive CHECK (area_m2 > 0);
ALTER TABLE townships_facility ADD CONSTRAINT facility_geometry_valid
  CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND (footprint IS NULL OR (ST_IsValid(footprint) AND NOT ST_IsEmpty(footprint))));
