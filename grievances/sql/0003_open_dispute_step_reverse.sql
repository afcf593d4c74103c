-- The steps' order as grievances/sql/0002 made it, without open_dispute.
CREATE OR REPLACE FUNCTION grievance_transition_allowed(action text, from_status text, to_status text)
RETURNS boolean LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
  SELECT CASE action
    WHEN 'receive' THEN from_status = '' AND to_status = 'received'
    WHEN 'acknowledge' THEN from_status = 'received' AND to_status = 'acknowledged'
    WHEN 'review' THEN from_status = 'acknowledged' AND to_status = 'under_review'
    WHEN 'refer' THEN from_status IN ('acknowledged', 'under_review') AND to_status = 'referred'
    WHEN 'resolve' THEN from_status IN ('acknowledged', 'under_review', 'referred') AND to_status = 'resolved'
    WHEN 'check_appeal' THEN from_status IN ('acknowledged', 'under_review', 'referred') AND to_status = 'resolved'
    WHEN 'decide_dispute' THEN from_status IN ('acknowledged', 'under_review', 'referred') AND to_status = 'resolved'
    WHEN 'close' THEN from_status = 'resolved' AND to_status = 'closed'
    WHEN 'close_loop' THEN from_status IN ('resolved', 'closed') AND to_status = from_status
    WHEN 'assign' THEN to_status = from_status AND from_status = ANY (grievance_open_statuses())
    WHEN 'escalate' THEN to_status = from_status AND from_status = ANY (grievance_open_statuses())
    WHEN 'decide_appeal' THEN to_status = from_status AND from_status = ANY (grievance_open_statuses())
    ELSE false END
$$;
