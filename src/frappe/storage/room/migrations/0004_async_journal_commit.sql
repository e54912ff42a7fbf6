-- frappe room schema, version 4: journal lines are committed asynchronously (see the comment
-- in seat_append); same function otherwise, same privileges.

-- Append journal lines p_lines as seq p_first_seq, p_first_seq + 1… Lines already received are
-- compared (identical: no-op, so re-sending is harmless; different: FR005); a gap is refused
-- (FR004, the detail says the next expected seq). Returns the last seq the server holds.
CREATE OR REPLACE FUNCTION frappe.seat_append(
    p_attempt bigint, p_token text, p_first_seq integer, p_lines text[])
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    target frappe.attempt := frappe.own_attempt(p_attempt, p_token);
    seq_now integer;
    held text;
    new_hash bytea;
    added integer := 0;
BEGIN
    -- Asynchronous commit for journal lines only: the notification leaves at commit without
    -- waiting for the WAL flush. A server crash can forget the last fraction of a second of
    -- lines; the seat's next call then meets a gap and sends them again from its local
    -- journal (the outbox), so nothing is lost. Hand-in, join and resume stay synchronous.
    PERFORM set_config('synchronous_commit', 'off', true);
    IF p_first_seq IS NULL OR p_first_seq < 1 OR p_first_seq > target.last_seq + 1 THEN
        RAISE EXCEPTION 'frappe: gap in attempt %, expected seq %', target.id,
            target.last_seq + 1
            USING ERRCODE = 'FR004', DETAIL = (target.last_seq + 1)::text;
    END IF;
    FOR i IN 1 .. coalesce(array_length(p_lines, 1), 0) LOOP
        seq_now := p_first_seq + i - 1;
        IF seq_now <= target.last_seq THEN
            SELECT line INTO held FROM frappe.journal_line
            WHERE attempt_id = target.id AND seq = seq_now;
            IF held IS DISTINCT FROM p_lines[i] THEN
                RAISE EXCEPTION 'frappe: line % of attempt % differs from the one received',
                    seq_now, target.id USING ERRCODE = 'FR005';
            END IF;
            CONTINUE;
        END IF;
        IF added = 0 THEN
            IF target.state <> 'running' THEN
                RAISE EXCEPTION 'frappe: attempt % is %', target.id, target.state
                    USING ERRCODE = 'FR006', DETAIL = target.state;
            END IF;
            PERFORM frappe.open_seance_row(target.seance_id);
        END IF;
        new_hash := frappe.chain_hash(target.head_hash, seq_now, p_lines[i]);
        INSERT INTO frappe.journal_line (attempt_id, seq, line, hash)
        VALUES (target.id, seq_now, p_lines[i], new_hash);
        target.head_hash := new_hash;
        target.last_seq := seq_now;
        added := added + 1;
    END LOOP;
    IF added > 0 THEN
        UPDATE frappe.attempt
        SET last_seq = target.last_seq, head_hash = target.head_hash,
            last_line_at = clock_timestamp()
        WHERE id = target.id;
        PERFORM frappe.notify(target.seance_id, target.id, 'lines', target.last_seq);
    END IF;
    RETURN target.last_seq;
END
$$;
