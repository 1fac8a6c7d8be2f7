-- 0007_admin.sql: what the staff API (server/admin) needs beyond 0001.

-- The audit log names the actor's role at the time of the action (roles change; the entry must
-- still say whether a moderator or an admin did it).
ALTER TABLE admin_audit_log
    ADD COLUMN actor_role ENUM('user','moderator','admin') NULL AFTER actor_user_id,
    ADD KEY ix_audit_action_created (action, created_at);

-- The report queue: open work by severity and age, and the escalation sweep (critical, open,
-- not yet escalated, oldest first).
ALTER TABLE reports
    ADD KEY ix_reports_escalation (severity, status, escalated_at, created_at);

-- Queue and analytics series read entries by the time they left the queue.
ALTER TABLE matching_queue_entries
    ADD KEY ix_queue_dequeued (dequeued_at, status);

-- The audit log is append-only: no statement may change or remove an entry.
CREATE TRIGGER trg_admin_audit_log_no_update BEFORE UPDATE ON admin_audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'admin_audit_log is append-only';
CREATE TRIGGER trg_admin_audit_log_no_delete BEFORE DELETE ON admin_audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'admin_audit_log is append-only';
