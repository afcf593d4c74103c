-- Back to the caller's search path, except for the functions whose own migrations set one.
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
       AND p.proname NOT IN (
         'landreg_gis_login_may_edit', 'landreg_gis_login_may_edit_township', 'landreg_gis_login_provinces',
         'landreg_gis_login_townships', 'landreg_plot_status_from_allocation', 'landreg_written_by_this_transaction',
         'plot_keep_allocated_outline', 'plot_keep_status_with_workflow', 'allocation_approval_is_inherited',
         'allocation_check_approver', 'allocation_check_maker_checker', 'allocation_check_transition_written',
         'allocation_plot_status', 'allocation_review_check_closing', 'allocation_review_keep_closed',
         'allocation_set_plot_status')
  LOOP
    EXECUTE format('ALTER FUNCTION %s RESET search_path', f);
  END LOOP;
END $$;
