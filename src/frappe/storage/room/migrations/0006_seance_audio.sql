-- frappe room schema, version 6: a dictation séance keeps the SHA-256 and the length of its
-- recording. Each seat plays its own copy (bundled or trainer corpus) and checks it against
-- this hash before joining; the seats get it with the open séances (without the config).

ALTER TABLE frappe.seance
    ADD COLUMN audio_sha256 text CHECK (audio_sha256 ~ '^[0-9a-f]{64}$'),
    ADD COLUMN audio_duration_s double precision;

CREATE OR REPLACE FUNCTION frappe.seance_json(p_seance frappe.seance) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', p_seance.id, 'config', p_seance.config, 'kind', p_seance.kind,
        'exercise_id', p_seance.exercise_id, 'exercise_title', p_seance.exercise_title,
        'duration_s', p_seance.duration_s, 'profile_name', p_seance.profile_name,
        'group_name', p_seance.group_name, 'opened_at', p_seance.opened_at,
        'closed_at', p_seance.closed_at, 'audio_sha256', p_seance.audio_sha256,
        'audio_duration_s', p_seance.audio_duration_s)
$$;
