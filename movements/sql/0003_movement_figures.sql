-- Weekly and monthly figures (docs/movements.md, "Figures"): arrivals recorded at the border, counted in people
-- (members), and the border monitoring teams' flow counts, by crossing point (and its province, through the
-- crossing point), destination province and district, direction, category, travelling, source, sex and age band.
--
-- Kept as totals tables that a refresh brings up to date period by period, instead of materialized views that a
-- refresh recomputes whole: at 5 million arrivals a whole recomputation takes minutes (bench/movements_figures.py),
-- while a day's import touches one week and one month. Readers are never blocked: a refresh replaces the rows of
-- the periods it recomputes in one transaction, and readers see the previous rows until it commits (MVCC).
--
--   figures_follow_arrivals, figures_follow_arrival_members, figures_follow_flow_counts
--       record the day of every change that moves a figure (movements_figures_pending);
--   movements_figures_refresh()  recomputes the weeks and months of the pending days (manage.py
--       refresh_movement_figures, from a timer); movements_figures_rebuild() recomputes everything.
--
-- Weeks start on Saturday (the Afghan working week); months are Gregorian; days are Kabul's. A missing district
-- is 0, and an unrecorded sex or age band 'unknown', so every key is a value.

CREATE OR REPLACE FUNCTION movements_week_start(day date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = public, pg_temp AS $$
  SELECT day - ((extract(isodow FROM day)::int + 1) % 7)
$$;

CREATE OR REPLACE FUNCTION movements_kabul_day(moment timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = public, pg_temp AS $$
  SELECT (moment AT TIME ZONE 'Asia/Kabul')::date
$$;

CREATE TABLE movements_arrival_totals (
  period text NOT NULL,
  period_start date NOT NULL,
  crossing_point_id bigint NOT NULL,
  destination_province_id bigint NOT NULL,
  destination_district_id bigint NOT NULL,
  direction text NOT NULL,
  category text NOT NULL,
  sex text NOT NULL,
  age_band text NOT NULL,
  people integer NOT NULL,
  PRIMARY KEY (period, period_start, crossing_point_id, destination_province_id, destination_district_id, direction,
               category, sex, age_band)
);

CREATE TABLE movements_flow_totals (
  period text NOT NULL,
  period_start date NOT NULL,
  crossing_point_id bigint NOT NULL,
  direction text NOT NULL,
  category text NOT NULL,
  travelling text NOT NULL,
  source text NOT NULL,
  sex text NOT NULL,
  age_band text NOT NULL,
  people bigint NOT NULL,
  PRIMARY KEY (period, period_start, crossing_point_id, direction, category, travelling, source, sex, age_band)
);

-- What the selectors read: the totals with the crossing point's province (as it is now).
CREATE VIEW movements_arrival_figures AS
  SELECT t.*, cp.province_id FROM movements_arrival_totals t JOIN parcels_crossingpoint cp ON cp.id = t.crossing_point_id;
CREATE VIEW movements_flow_figures AS
  SELECT t.*, cp.province_id FROM movements_flow_totals t JOIN parcels_crossingpoint cp ON cp.id = t.crossing_point_id;

-- Days whose figures changed since the last refresh. Appended by the triggers (never updated: registrations at
-- the border never wait on each other here), emptied by the refresh.
CREATE TABLE movements_figures_pending (kind text NOT NULL, day date NOT NULL);

CREATE OR REPLACE FUNCTION movements_figures_mark_arrival() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO movements_figures_pending VALUES ('arrivals', movements_kabul_day(OLD.crossed_at));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO movements_figures_pending VALUES ('arrivals', movements_kabul_day(NEW.crossed_at));
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION movements_figures_mark_member() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  -- an arrival deleted with its members was marked by its own trigger
  INSERT INTO movements_figures_pending
  SELECT 'arrivals', movements_kabul_day(a.crossed_at)
    FROM movements_arrival a
   WHERE a.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.arrival_id END,
                  CASE WHEN TG_OP <> 'DELETE' THEN NEW.arrival_id END);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION movements_figures_mark_flow() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO movements_figures_pending VALUES ('flows', OLD.day);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO movements_figures_pending VALUES ('flows', NEW.day);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER figures_follow_arrivals
  AFTER INSERT OR DELETE OR UPDATE OF crossed_at, crossing_point_id, destination_province_id,
        destination_district_id, direction, category ON movements_arrival
  FOR EACH ROW EXECUTE FUNCTION movements_figures_mark_arrival();

CREATE TRIGGER figures_follow_arrival_members
  AFTER INSERT OR DELETE OR UPDATE OF arrival_id, sex, age_band ON movements_arrivalmember
  FOR EACH ROW EXECUTE FUNCTION movements_figures_mark_member();

CREATE TRIGGER figures_follow_flow_counts
  AFTER INSERT OR DELETE OR UPDATE ON movements_flowcount
  FOR EACH ROW EXECUTE FUNCTION movements_figures_mark_flow();

-- Recompute the arrival totals of these periods (week starts, month starts) from the arrivals.
CREATE OR REPLACE FUNCTION movements_arrival_totals_recompute(weeks date[], months date[]) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  DELETE FROM movements_arrival_totals
   WHERE (period = 'week' AND period_start = ANY(weeks)) OR (period = 'month' AND period_start = ANY(months));
  INSERT INTO movements_arrival_totals
  SELECT p.period, p.start, a.crossing_point_id, a.destination_province_id, coalesce(a.destination_district_id, 0),
         a.direction, a.category, m.sex, m.age_band, count(*)
    FROM (SELECT 'week' AS period, w AS start, w + 7 AS stop FROM unnest(weeks) AS w
          UNION ALL
          SELECT 'month', m, (m + interval '1 month')::date FROM unnest(months) AS m) AS p
    JOIN movements_arrival a
      ON a.crossed_at >= (p.start::timestamp AT TIME ZONE 'Asia/Kabul')
     AND a.crossed_at < (p.stop::timestamp AT TIME ZONE 'Asia/Kabul')
    JOIN movements_arrivalmember m ON m.arrival_id = a.id
   GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
END $$;

-- Recompute the flow totals of these periods from the counts; a count without a split is 'unknown' by sex and age,
-- one split by sex only is 'unknown' by age.
CREATE OR REPLACE FUNCTION movements_flow_totals_recompute(weeks date[], months date[]) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  DELETE FROM movements_flow_totals
   WHERE (period = 'week' AND period_start = ANY(weeks)) OR (period = 'month' AND period_start = ANY(months));
  INSERT INTO movements_flow_totals
  SELECT p.period, p.start, f.crossing_point_id, f.direction, f.category, f.travelling, f.source, c.sex, c.age_band,
         sum(c.n)
    FROM (SELECT 'week' AS period, w AS start, w + 7 AS stop FROM unnest(weeks) AS w
          UNION ALL
          SELECT 'month', m, (m + interval '1 month')::date FROM unnest(months) AS m) AS p
    JOIN movements_flowcount f ON f.day >= p.start AND f.day < p.stop
    CROSS JOIN LATERAL (
      SELECT v.sex, v.age_band, v.n
        FROM (VALUES ('f', '0_4', f.f_0_4), ('f', '5_17', f.f_5_17), ('f', '18_59', f.f_18_59),
                     ('f', '60_plus', f.f_60_plus), ('m', '0_4', f.m_0_4), ('m', '5_17', f.m_5_17),
                     ('m', '18_59', f.m_18_59), ('m', '60_plus', f.m_60_plus)) AS v(sex, age_band, n)
       WHERE f.f_0_4 IS NOT NULL
      UNION ALL
      SELECT v.sex, 'unknown', v.n FROM (VALUES ('f', f.female), ('m', f.male)) AS v(sex, n)
       WHERE f.f_0_4 IS NULL AND f.female IS NOT NULL
      UNION ALL
      SELECT 'unknown', 'unknown', f.total WHERE f.f_0_4 IS NULL AND f.female IS NULL
    ) AS c
   GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
END $$;

-- Bring the totals up to date: the weeks and months of the days pending. One refresh at a time (the advisory
-- lock). The pending rows are taken first; a change committed meanwhile either was taken and is seen by the
-- recomputation (a later statement, a later snapshot) or stays pending for the next refresh. Returns how many
-- periods of each kind were recomputed.
CREATE OR REPLACE FUNCTION movements_figures_refresh(OUT arrival_periods integer, OUT flow_periods integer)
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  taken_arrivals date[];
  taken_flows date[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('movements_figures_refresh'));
  WITH taken AS (DELETE FROM movements_figures_pending RETURNING kind, day)
  SELECT array_agg(DISTINCT day) FILTER (WHERE kind = 'arrivals'), array_agg(DISTINCT day) FILTER (WHERE kind = 'flows')
    INTO taken_arrivals, taken_flows FROM taken;
  arrival_periods := 0;
  flow_periods := 0;
  IF taken_arrivals IS NOT NULL THEN
    PERFORM movements_arrival_totals_recompute(
      ARRAY(SELECT DISTINCT movements_week_start(d) FROM unnest(taken_arrivals) AS d),
      ARRAY(SELECT DISTINCT date_trunc('month', d)::date FROM unnest(taken_arrivals) AS d));
    arrival_periods := (SELECT count(DISTINCT movements_week_start(d)) + count(DISTINCT date_trunc('month', d))
                          FROM unnest(taken_arrivals) AS d);
  END IF;
  IF taken_flows IS NOT NULL THEN
    PERFORM movements_flow_totals_recompute(
      ARRAY(SELECT DISTINCT movements_week_start(d) FROM unnest(taken_flows) AS d),
      ARRAY(SELECT DISTINCT date_trunc('month', d)::date FROM unnest(taken_flows) AS d));
    flow_periods := (SELECT count(DISTINCT movements_week_start(d)) + count(DISTINCT date_trunc('month', d))
                       FROM unnest(taken_flows) AS d);
  END IF;
END $$;

-- Recompute every period there is (after a restore, or when the totals are in doubt).
CREATE OR REPLACE FUNCTION movements_figures_rebuild() RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('movements_figures_refresh'));
  DELETE FROM movements_figures_pending;
  DELETE FROM movements_arrival_totals;
  DELETE FROM movements_flow_totals;
  PERFORM movements_arrival_totals_recompute(
    ARRAY(SELECT DISTINCT movements_week_start(movements_kabul_day(crossed_at)) FROM movements_arrival),
    ARRAY(SELECT DISTINCT date_trunc('month', movements_kabul_day(crossed_at))::date FROM movements_arrival));
  PERFORM movements_flow_totals_recompute(
    ARRAY(SELECT DISTINCT movements_week_start(day) FROM movements_flowcount),
    ARRAY(SELECT DISTINCT date_trunc('month', day)::date FROM movements_flowcount));
END $$;
