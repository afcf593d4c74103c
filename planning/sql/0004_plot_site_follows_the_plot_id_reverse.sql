DO $$
DECLARE name text;
BEGIN
  SELECT conname INTO name FROM pg_constraint
   WHERE conrelid = 'planning_plotsite'::regclass AND contype = 'f' AND confrelid = 'townships_plot'::regclass;
  EXECUTE format('ALTER TABLE planning_plotsite DROP CONSTRAINT %I', name);
  EXECUTE format('ALTER TABLE planning_plotsite ADD CONSTRAINT %I FOREIGN KEY (plot_id) REFERENCES townships_plot (id) '
                 'DEFERRABLE INITIALLY DEFERRED', name);
END $$;
