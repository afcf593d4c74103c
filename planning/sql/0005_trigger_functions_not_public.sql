-- The planning app's SECURITY DEFINER trigger functions are not executable by PUBLIC: a trigger fires its function
-- whatever the writer's privileges (EXECUTE is asked only when a trigger is created), so this stops only a login
-- that would attach them to a table of its own, where they would run as the application's role
-- (tests/db/test_land_rules_isolation.py checks every such function of the project).
REVOKE EXECUTE ON FUNCTION planning_plot_site_goes_first(), planning_plot_sites_follow_plots(),
  planning_plot_sites_stale_for_thresholds(), planning_plot_sites_stale_near_water(),
  planning_plot_sites_stale_under_raster() FROM PUBLIC;
