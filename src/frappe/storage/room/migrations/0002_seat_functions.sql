-- frappe room schema, version 2: what a seat may do. The seat role has no table privilege at
-- all; these SECURITY DEFINER functions (owned by frappe_owner) are its only way in, and each
-- checks the attempt's secret token. Errors carry frappe's own SQLSTATEs (FR001…), translated
-- to French messages by frappe.storage.room.client.

CREATE FUNCTION frappe.chain_origin(p_attempt bigint) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(convert_to('frappe-room:' || p_attempt::text, 'UTF8'))
$$;

CREATE FUNCTION frappe.chain_hash(p_previous bytea, p_seq integer, p_line text) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(p_previous || int4send(p_seq) || convert_to(p_line, 'UTF8'))
$$;

CREATE FUNCTION frappe.new_token() RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
$$;

CREATE FUNCTION frappe.notify(p_seance text, p_attempt bigint, p_event text, p_seq integer)
RETURNS void
LANGUAGE sql AS $$
    SELECT pg_notify('frappe_room', json_build_object(
        'seance', p_seance, 'attempt', p_attempt, 'event', p_event, 'seq', p_seq)::text)
$$;

CREATE FUNCTION frappe.seance_json(p_seance frappe.seance) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', p_seance.id, 'config', p_seance.config, 'kind', p_seance.kind,
        'exercise_id', p_seance.exercise_id, 'exercise_title', p_seance.exercise_title,
        'duration_s', p_seance.duration_s, 'profile_name', p_seance.profile_name,
        'group_name', p_seance.group_name, 'opened_at', p_seance.opened_at,
        'closed_at', p_seance.closed_at)
$$;

-- An attempt, locked, after checking the seat's token.
CREATE FUNCTION frappe.own_attempt(p_attempt bigint, p_token text) RETURNS frappe.attempt
LANGUAGE plpgsql AS $$
DECLARE
    found_attempt frappe.attempt;
BEGIN
    SELECT * INTO found_attempt FROM frappe.attempt WHERE id = p_attempt FOR UPDATE;
    IF NOT FOUND OR found_attempt.token_sha256
            IS DISTINCT FROM sha256(convert_to(coalesce(p_token, ''), 'UTF8')) THEN
        RAISE EXCEPTION 'frappe: attempt % is not this seat''s', p_attempt
            USING ERRCODE = 'FR003';
    END IF;
    RETURN found_attempt;
END
$$;

CREATE FUNCTION frappe.open_seance_row(p_seance text) RETURNS frappe.seance
LANGUAGE plpgsql AS $$
DECLARE
    found_seance frappe.seance;
BEGIN
    SELECT * INTO found_seance FROM frappe.seance WHERE id = upper(btrim(p_seance));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'frappe: unknown seance %', p_seance USING ERRCODE = 'FR001';
    END IF;
    IF found_seance.closed_at IS NOT NULL THEN
        RAISE EXCEPTION 'frappe: seance % is closed', p_seance USING ERRCODE = 'FR002';
    END IF;
    RETURN found_seance;
END
$$;

-- Open séances, for a seat's home screen.
CREATE FUNCTION frappe.seat_open_seances()
RETURNS TABLE (seance jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT frappe.seance_json(s) - 'config' FROM frappe.seance AS s
    WHERE s.closed_at IS NULL ORDER BY s.opened_at
$$;

-- Join a séance: a new attempt and its secret token (shown once), and the séance to run.
CREATE FUNCTION frappe.seat_join(
    p_seance text, p_candidate_name text, p_candidate_id text, p_seat text)
RETURNS TABLE (attempt_id bigint, token text, seance jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    target frappe.seance;
    new_token text := frappe.new_token();
    new_id bigint;
    name text := btrim(coalesce(p_candidate_name, ''));
    cid text := nullif(btrim(coalesce(p_candidate_id, '')), '');
BEGIN
    target := frappe.open_seance_row(p_seance);
    IF name = '' THEN
        RAISE EXCEPTION 'frappe: empty candidate name' USING ERRCODE = 'FR009';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('frappe-join:' || target.id));
    IF EXISTS (SELECT 1 FROM frappe.attempt AS a
               WHERE a.seance_id = target.id AND a.candidate_name = name
                 AND a.candidate_id IS NOT DISTINCT FROM cid) THEN
        RAISE EXCEPTION 'frappe: % already joined %', name, target.id USING ERRCODE = 'FR011';
    END IF;
    INSERT INTO frappe.attempt (seance_id, candidate_name, candidate_id, seat, token_sha256,
                                head_hash)
    VALUES (target.id, name, cid, coalesce(p_seat, ''),
            sha256(convert_to(new_token, 'UTF8')), '\x'::bytea)
    RETURNING id INTO new_id;
    UPDATE frappe.attempt SET head_hash = frappe.chain_origin(new_id) WHERE id = new_id;
    PERFORM frappe.notify(target.id, new_id, 'join', 0);
    RETURN QUERY SELECT new_id, new_token, frappe.seance_json(target);
END
$$;

-- Append journal lines p_lines as seq p_first_seq, p_first_seq + 1… Lines already received are
-- compared (identical: no-op, so re-sending is harmless; different: FR005); a gap is refused
-- (FR004, the detail says the next expected seq). Returns the last seq the server holds.
CREATE FUNCTION frappe.seat_append(
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

-- Hand in once every line up to p_last_seq is on the server (else FR007, detail: the next seq
-- it expects). Handing in again is a no-op.
CREATE FUNCTION frappe.seat_hand_in(p_attempt bigint, p_token text, p_last_seq integer)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    target frappe.attempt := frappe.own_attempt(p_attempt, p_token);
BEGIN
    IF target.state = 'handed_in' AND target.last_seq = p_last_seq THEN
        RETURN;
    END IF;
    IF target.state <> 'running' THEN
        RAISE EXCEPTION 'frappe: attempt % is %', target.id, target.state
            USING ERRCODE = 'FR006', DETAIL = target.state;
    END IF;
    PERFORM frappe.open_seance_row(target.seance_id);
    IF target.last_seq < p_last_seq THEN
        RAISE EXCEPTION 'frappe: attempt % misses lines from %', target.id, target.last_seq + 1
            USING ERRCODE = 'FR007', DETAIL = (target.last_seq + 1)::text;
    END IF;
    IF target.last_seq > p_last_seq THEN
        RAISE EXCEPTION 'frappe: attempt % has % lines, not %', target.id, target.last_seq,
            p_last_seq USING ERRCODE = 'FR005';
    END IF;
    UPDATE frappe.attempt SET state = 'handed_in', handed_in_at = now() WHERE id = target.id;
    PERFORM frappe.notify(target.seance_id, target.id, 'hand_in', target.last_seq);
END
$$;

-- The attempt's own journal lines (to rebuild it on a seat), in order.
CREATE FUNCTION frappe.seat_fetch(p_attempt bigint, p_token text)
RETURNS TABLE (seq integer, line text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    target frappe.attempt := frappe.own_attempt(p_attempt, p_token);
BEGIN
    RETURN QUERY SELECT j.seq, j.line FROM frappe.journal_line AS j
    WHERE j.attempt_id = target.id ORDER BY j.seq;
END
$$;

-- Attempts the trainer released in an open séance (a dead PC), for « Reprendre sur ce poste ».
CREATE FUNCTION frappe.seat_released(p_seance text)
RETURNS TABLE (attempt_id bigint, candidate_name text, candidate_id text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    target frappe.seance := frappe.open_seance_row(p_seance);
BEGIN
    RETURN QUERY SELECT a.id, a.candidate_name, a.candidate_id FROM frappe.attempt AS a
    WHERE a.seance_id = target.id AND a.state = 'released' ORDER BY a.candidate_name, a.id;
END
$$;

-- Take over a released attempt on this seat: a new token (the old seat can no longer write),
-- the séance, the candidate and the lines so far.
CREATE FUNCTION frappe.seat_resume(p_attempt bigint, p_seat text)
RETURNS TABLE (token text, seance jsonb, candidate_name text, candidate_id text,
               lines text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    target frappe.attempt;
    room frappe.seance;
    new_token text := frappe.new_token();
BEGIN
    SELECT * INTO target FROM frappe.attempt WHERE id = p_attempt FOR UPDATE;
    IF NOT FOUND OR target.state <> 'released' THEN
        RAISE EXCEPTION 'frappe: attempt % is not released', p_attempt USING ERRCODE = 'FR008';
    END IF;
    room := frappe.open_seance_row(target.seance_id);
    UPDATE frappe.attempt
    SET state = 'running', token_sha256 = sha256(convert_to(new_token, 'UTF8')),
        seat = coalesce(p_seat, ''), takeovers = takeovers + 1
    WHERE id = target.id;
    PERFORM frappe.notify(room.id, target.id, 'resume', target.last_seq);
    RETURN QUERY SELECT new_token, frappe.seance_json(room), target.candidate_name,
        target.candidate_id,
        coalesce((SELECT array_agg(j.line ORDER BY j.seq) FROM frappe.journal_line AS j
                  WHERE j.attempt_id = target.id), ARRAY[]::text[]);
END
$$;

-- The trainer releases an attempt whose seat died: its token stops working at once.
CREATE FUNCTION frappe.trainer_release(p_attempt bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    target frappe.attempt;
BEGIN
    SELECT * INTO target FROM frappe.attempt WHERE id = p_attempt FOR UPDATE;
    IF NOT FOUND OR target.state <> 'running' THEN
        RAISE EXCEPTION 'frappe: attempt % is not running', p_attempt USING ERRCODE = 'FR006',
            DETAIL = coalesce(target.state, 'unknown');
    END IF;
    PERFORM frappe.open_seance_row(target.seance_id);
    UPDATE frappe.attempt
    SET state = 'released', token_sha256 = sha256(convert_to(frappe.new_token(), 'UTF8'))
    WHERE id = target.id;
    PERFORM frappe.notify(target.seance_id, target.id, 'release', target.last_seq);
END
$$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA frappe FROM PUBLIC;
GRANT USAGE ON SCHEMA frappe TO frappe_seat;
GRANT EXECUTE ON FUNCTION
    frappe.seat_open_seances(),
    frappe.seat_join(text, text, text, text),
    frappe.seat_append(bigint, text, integer, text[]),
    frappe.seat_hand_in(bigint, text, integer),
    frappe.seat_fetch(bigint, text),
    frappe.seat_released(text),
    frappe.seat_resume(bigint, text)
TO frappe_seat;
