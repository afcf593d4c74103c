-- A plot's site figures follow its id: an UPDATE of townships_plot.id (psql, a QGIS provider that rewrites keys)
-- carries the figures with it instead of being refused by the foreign key (each plot has a planning_plotsite row).
DO $$
DECLARE name text;
BEGIN
  SELECT conname INTO name FROM pg_constraint
   WHERE conrelid = 'planning_plotsite'::regclass AND contype = 'f' AND confrelid = 'townships_plot'::regclass;
  EXECUTE format('ALTER TABLE planning_plotsite DROP CONSTRAINT %I', name);
  EXECUTE format('ALTER TABLE planning_plotsite ADD CONSTRAINT %I FOREIGN KEY (plot_id) REFERENCES townships_plot (id) '
                 'ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED', name);
END $$;
