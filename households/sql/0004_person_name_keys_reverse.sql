DROP TRIGGER IF EXISTS person_name_keys_derived ON households_person;
DROP FUNCTION IF EXISTS households_person_name_keys();
DROP FUNCTION IF EXISTS households_name_key(text);
