DROP TRIGGER IF EXISTS closed_review_has_outcome_and_note ON shelters_allocationreview;
DROP FUNCTION IF EXISTS allocation_review_check_closing();
DROP TRIGGER IF EXISTS closed_review_is_final ON shelters_allocationreview;
DROP FUNCTION IF EXISTS allocation_review_keep_closed();
