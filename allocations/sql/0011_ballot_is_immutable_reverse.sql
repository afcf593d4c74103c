DROP TRIGGER IF EXISTS drawn_ballot_results_are_immutable ON allocations_ballotresult;
DROP TRIGGER IF EXISTS drawn_ballot_plots_are_immutable ON allocations_ballotplot;
DROP TRIGGER IF EXISTS drawn_ballot_entries_are_immutable ON allocations_ballotentry;
DROP TRIGGER IF EXISTS drawn_ballot_is_immutable ON allocations_ballot;
DROP FUNCTION IF EXISTS ballot_part_refuse_change(), ballot_refuse_change();
