CREATE OR REPLACE FUNCTION landreg_layer_versions(layers text[]) RETURNS text
  LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT (SELECT oid FROM pg_database WHERE datname = current_database())::text || ':' ||
         string_agg(coalesce(pg_sequence_last_value(format('townships_layer_version_%s', name)::regclass), 0)::text,
                    '.' ORDER BY ord)
    FROM unnest(layers) WITH ORDINALITY AS l(name, ord)
$$;
