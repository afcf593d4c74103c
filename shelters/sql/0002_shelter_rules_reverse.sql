DROP TRIGGER IF EXISTS shelter_projects_bump_layer_version ON shelters_shelterproject;
DROP SEQUENCE IF EXISTS townships_layer_version_shelters;
DROP TRIGGER IF EXISTS tranche_paid_after_passed_inspection ON shelters_tranche;
DROP TRIGGER IF EXISTS inspection_photos_are_append_only ON shelters_photo;
DROP TRIGGER IF EXISTS inspections_are_append_only ON shelters_inspection;
DROP TRIGGER IF EXISTS inspection_advances_project ON shelters_inspection;
DROP TRIGGER IF EXISTS shelter_stages_pass_in_order ON shelters_inspection;
DROP TRIGGER IF EXISTS shelter_project_needs_active_allocation ON shelters_shelterproject;
DROP FUNCTION IF EXISTS tranche_check_release(), inspection_refuse_change(), inspection_advance_project(),
  inspection_check_stage_order(), shelter_project_check_allocation(), shelter_allocation_is_held(bigint, bigint, bigint),
  shelter_plot_distance_m(bigint, geometry), shelter_inspection_tolerance_m();
