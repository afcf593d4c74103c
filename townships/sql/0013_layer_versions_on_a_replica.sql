-- A layer's version is the last value of its sequences, bumped by a statement trigger on every change. A sequence
-- reaches the WAL only every 32 values (and after a checkpoint), so on a streaming replica those values stand still
-- while the plots change. There, the version also carries the WAL position the replica has replayed: it moves with
-- every change the replica sees, so a tile made on the replica is never cached under an older version.
CREATE OR REPLACE FUNCTION landreg_layer_versions(layers text[]) RETURNS text
  LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT (SELECT oid FROM pg_database WHERE datname = current_database())::text || ':' ||
         string_agg(coalesce(pg_sequence_last_value(format('townships_layer_version_%s', name)::regclass), 0)::text,
                    '.' ORDER BY ord) ||
         CASE WHEN pg_is_in_recovery() THEN '@' || pg_last_wal_replay_lsn()::text ELSE '' END
    FROM unnest(layers) WITH ORDINALITY AS l(name, ord)
$$;
