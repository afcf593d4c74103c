GRANT EXECUTE ON FUNCTION planning_plot_site_goes_first(), planning_plot_sites_follow_plots(),
  planning_plot_sites_stale_for_thresholds(), planning_plot_sites_stale_near_water(),
  planning_plot_sites_stale_under_raster() TO PUBLIC;
