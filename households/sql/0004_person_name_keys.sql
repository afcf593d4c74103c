-- Possible duplicates by name (docs/domain.md, rule 4): each person's names carry a key that spelling variants
-- share, derived here so that every client (the application, the admin, psql) gets the same key. The key is
-- compared with pg_trgm similarity; households/duplicates.py scores the candidates it finds.
--
-- households_name_key(name): Latin script ("Sher Agha", "Shir Aqa") → a phonetic key ("şaraka"): digraphs
-- (kh, gh, sh, ch, ph, th, dh, zh) folded, g/q/c to k, v to w, an h between vowels or after a final vowel dropped,
-- each run of vowels one "a", doubled letters single, spaces removed; "Mohd"/"Md" read as Muhammad.
-- Arabic script ("شیر آغا") → the letters only, Arabic and Persian forms of a letter made one, letters that sound
-- alike in Dari made one (ق غ, ث س ص, ذ ز ض ظ, ت ط, ح ه), diacritics, tatweel, zero-width joiners and spaces removed.
CREATE OR REPLACE FUNCTION households_name_key(name text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = public, pg_temp
AS $$
DECLARE
    k text := lower(coalesce(name, ''));
BEGIN
    IF k ~ '[\u0600-\u06ff]' THEN
        k := regexp_replace(k, '[\u064b-\u065f\u0670\u0640\u200c\u200d]', '', 'g');
        k := translate(k, 'يىئكۀةأإآٱؤقثصذضظطح', 'یییکههااااوغسسزززته');
        RETURN regexp_replace(k, '[^\u0621-\u06ff]', '', 'g');
    END IF;
    k := translate(k, 'áàâäãåāéèêëēíìîïīóòôöõōúùûüūýÿçñ', 'aaaaaaaeeeeeiiiiioooooouuuuuyycn');
    k := regexp_replace(k, '[^a-z0-9]+', ' ', 'g');
    k := regexp_replace(k, '\m(mohd|muhd|mhd|md|mohmd)\M', 'muhammad', 'g');
    -- digraphs, word by word (spaces are still there, so "Mohammad Hashim" keeps its d and h apart)
    k := replace(k, 'kh', 'x');
    k := replace(k, 'gh', 'g');
    k := replace(k, 'sh', 'ş');
    k := replace(k, 'ch', 'ç');
    k := replace(k, 'ph', 'f');
    k := replace(k, 'th', 't');
    k := replace(k, 'dh', 'z');
    k := replace(k, 'zh', 'z');
    k := translate(k, 'gqcv', 'kkkw');
    -- y is a consonant at the start of a word before a vowel, and between vowels; elsewhere a vowel
    k := regexp_replace(k, '\my(?=[aeiou])', 'Y', 'g');
    k := regexp_replace(k, '([aeiou])y+(?=[aeiou])', '\1Y', 'g');
    -- h between vowels, and after a vowel at the end of a word, is not heard
    k := regexp_replace(k, '([aeiouy])h+(?=[aeiouy])', '\1', 'g');
    k := regexp_replace(k, '([aeiouy])h+\M', '\1', 'g');
    k := regexp_replace(k, '[aeiouy]+', 'a', 'g');
    k := lower(replace(k, ' ', ''));
    RETURN regexp_replace(k, '(.)\1+', '\1', 'g');
END
$$;

-- Derived data, refusing nothing: the keys follow the names on every insert and update, whoever writes.
CREATE OR REPLACE FUNCTION households_person_name_keys() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
BEGIN
    NEW.name_key := households_name_key(NEW.name);
    NEW.father_name_key := households_name_key(NEW.father_name);
    NEW.local_name_key := households_name_key(NEW.name_local);
    NEW.local_father_name_key := households_name_key(NEW.father_name_local);
    RETURN NEW;
END
$$;

CREATE TRIGGER person_name_keys_derived
    BEFORE INSERT OR UPDATE OF name, father_name, name_local, father_name_local ON households_person
    FOR EACH ROW EXECUTE FUNCTION households_person_name_keys();

UPDATE households_person SET name = name;
