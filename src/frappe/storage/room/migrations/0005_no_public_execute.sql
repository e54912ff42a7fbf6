-- frappe room schema, version 5: functions frappe_owner creates later are not executable by
-- PUBLIC by default (PostgreSQL grants EXECUTE to PUBLIC otherwise): a seat may only call the
-- seat_* functions granted to it by name. (Per-schema default privileges cannot take back a
-- global default, hence the role-wide form.)

ALTER DEFAULT PRIVILEGES FOR ROLE frappe_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
