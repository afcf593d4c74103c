-- A visit imported from KoboToolbox or ODK Central names who uploaded it. The inspector comes from the file; the
-- uploader is the person whose provinces bounded the import and who answers for it (docs/field.md, "Who an import
-- acts for"). Checked on insert only: visits imported before the uploader was recorded keep an empty one.
CREATE OR REPLACE FUNCTION shelter_visit_check_uploader() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.source IN ('kobo', 'odk') AND NEW.uploaded_by_id IS NULL THEN
    PERFORM landreg_raise('imported_visit_names_its_uploader', format(
      'this %s was imported from %s without naming who uploaded it', TG_ARGV[0], NEW.source));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER imported_visit_names_its_uploader
  BEFORE INSERT ON shelters_inspection
  FOR EACH ROW EXECUTE FUNCTION shelter_visit_check_uploader('inspection');
CREATE TRIGGER imported_visit_names_its_uploader
  BEFORE INSERT ON shelters_occupancycheck
  FOR EACH ROW EXECUTE FUNCTION shelter_visit_check_uploader('occupancy check');
