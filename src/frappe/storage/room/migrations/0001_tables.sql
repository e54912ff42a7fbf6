-- frappe room schema, version 1: the tables. Run by frappe.storage.room.schema as the
-- frappe_owner role, inside one transaction, with the schema "frappe" already created.

CREATE TABLE frappe.seance (
    id text PRIMARY KEY,
    -- The session configuration every seat runs and official scoring uses: the journal
    -- header format of frappe.storage.journal (kind, exercise, reference, settings, options,
    -- draft), candidate left empty.
    config jsonb NOT NULL,
    kind text NOT NULL CHECK (kind IN ('typing', 'transcription', 'correction')),
    exercise_id text NOT NULL,
    exercise_title text NOT NULL DEFAULT '',
    reference_sha256 text NOT NULL,
    duration_s double precision NOT NULL CHECK (duration_s > 0),
    profile_name text NOT NULL,
    group_name text,
    opened_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz
);

CREATE TABLE frappe.attempt (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seance_id text NOT NULL REFERENCES frappe.seance (id),
    candidate_name text NOT NULL CHECK (btrim(candidate_name) <> ''),
    candidate_id text,
    seat text NOT NULL DEFAULT '',
    -- SHA-256 of the secret the seat got when joining: only that seat may write here.
    token_sha256 bytea NOT NULL,
    state text NOT NULL DEFAULT 'running'
        CHECK (state IN ('running', 'handed_in', 'released', 'interrupted')),
    joined_at timestamptz NOT NULL DEFAULT now(),
    handed_in_at timestamptz,
    -- The chain head, anchored here: a truncated journal no longer ends on it.
    last_seq integer NOT NULL DEFAULT 0,
    head_hash bytea NOT NULL,
    last_line_at timestamptz,
    takeovers integer NOT NULL DEFAULT 0
);
CREATE INDEX attempt_by_seance ON frappe.attempt (seance_id);

CREATE TABLE frappe.journal_line (
    attempt_id bigint NOT NULL REFERENCES frappe.attempt (id),
    seq integer NOT NULL CHECK (seq >= 1),
    line text NOT NULL,
    -- sha256(previous hash || int4 seq || UTF-8 line); the first line chains on
    -- sha256('frappe-room:' || attempt id).
    hash bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (attempt_id, seq)
);

CREATE TABLE frappe.official_result (
    attempt_id bigint PRIMARY KEY REFERENCES frappe.attempt (id),
    state text NOT NULL,
    record jsonb NOT NULL,
    metrics jsonb NOT NULL,
    head_seq integer NOT NULL,
    head_hash bytea NOT NULL,
    fixed_at timestamptz NOT NULL DEFAULT now()
);

-- Seat rows and fixed results are append-only, whoever asks.
CREATE FUNCTION frappe.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'frappe: % refused on %, rows are append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'FR010';
END
$$;

CREATE TRIGGER journal_line_append_only BEFORE UPDATE OR DELETE ON frappe.journal_line
    FOR EACH ROW EXECUTE FUNCTION frappe.refuse_change();
CREATE TRIGGER journal_line_no_truncate BEFORE TRUNCATE ON frappe.journal_line
    FOR EACH STATEMENT EXECUTE FUNCTION frappe.refuse_change();
CREATE TRIGGER official_result_append_only BEFORE UPDATE OR DELETE ON frappe.official_result
    FOR EACH ROW EXECUTE FUNCTION frappe.refuse_change();
