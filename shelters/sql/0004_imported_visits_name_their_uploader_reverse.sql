DROP TRIGGER IF EXISTS imported_visit_names_its_uploader ON shelters_occupancycheck;
DROP TRIGGER IF EXISTS imported_visit_names_its_uploader ON shelters_inspection;
DROP FUNCTION IF EXISTS shelter_visit_check_uploader();
