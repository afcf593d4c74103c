-- The plots layer shows whether each plot's ground is fit to live on (planning_plotsite.fit): its tiles get a new
-- version when a plot's site figures change (the same sequence scheme as townships/sql/0009).
CREATE SEQUENCE IF NOT EXISTS townships_layer_version_plot_sites;
GRANT SELECT ON SEQUENCE townships_layer_version_plot_sites TO PUBLIC;
CREATE TRIGGER plot_sites_bump_layer_version
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON planning_plotsite
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('plot_sites');
