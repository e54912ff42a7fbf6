-- frappe room schema, version 3: the results store (frappe.storage.store.ResultStore) on the
-- room server, the same columns as the SQLite history's schema 2 (frappe.storage.history), so
-- store.result_values writes the same row to both. Trainer only: seats have no privilege here.

CREATE TABLE frappe.results (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    candidate_name text NOT NULL,
    candidate_id text,
    candidate_key text,
    candidate_search text,
    exercise_id text NOT NULL,
    exercise_title text NOT NULL DEFAULT '',
    kind text NOT NULL,
    mode text NOT NULL DEFAULT 'exam',
    started_at timestamptz NOT NULL,
    ended_at timestamptz NOT NULL,
    duration_s double precision NOT NULL,
    end_reason text NOT NULL,
    profile text NOT NULL,
    speed double precision,
    speed_unit text,
    faults double precision,
    accuracy double precision,
    keystroke_accuracy double precision,
    error_rate double precision,
    mark_20 double precision,
    passed integer,
    gross_wpm double precision,
    net_wpm double precision,
    characters integer,
    result_path text NOT NULL UNIQUE,
    recognition_errors integer,
    fixed integer,
    missed integer,
    introduced integer,
    critical_errors integer,
    error_classes text,
    weak_keys text,
    listening_ratio double precision,
    integrity_events text,
    seance text,
    verification text,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX results_by_date ON frappe.results (started_at);
CREATE INDEX results_by_key ON frappe.results (candidate_key);
CREATE INDEX results_by_candidate_id ON frappe.results (candidate_id);
CREATE INDEX results_by_seance ON frappe.results (seance);

CREATE TABLE frappe.groups (
    name text PRIMARY KEY,
    starts_on date,
    ends_on date,
    profile text,
    speed_target double precision,
    accuracy_target double precision
);

CREATE TABLE frappe.group_members (
    group_name text NOT NULL REFERENCES frappe.groups (name) ON DELETE CASCADE,
    position integer NOT NULL,
    name text NOT NULL,
    candidate_id text,
    aliases text NOT NULL DEFAULT '[]',
    PRIMARY KEY (group_name, position)
);
