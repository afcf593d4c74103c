DROP TRIGGER IF EXISTS allocated_plot_keeps_its_outline ON townships_plot;
DROP FUNCTION IF EXISTS plot_keep_allocated_outline();
