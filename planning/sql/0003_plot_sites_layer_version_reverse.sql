DROP TRIGGER IF EXISTS plot_sites_bump_layer_version ON planning_plotsite;
DROP SEQUENCE IF EXISTS townships_layer_version_plot_sites;
