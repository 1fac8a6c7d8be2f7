-- 0006_safety.sql: what blocks, reports and friendships need beyond 0001.

-- A friendship that ends (a user removes the friend, or blocks them) keeps its row (ended_at,
-- ended_by_user_id) and gets an 'ended' event with {"reason": "removed"|"blocked"|"panic_exit"}.
ALTER TABLE friendship_events
    MODIFY event_type ENUM('created','starter_completed','scheduled_chat','inactive_warning','ended') NOT NULL;

-- Duplicate reports: one report per reporter, reported user and conversation (a second is 409).
-- Rows without a conversation never collide here (NULLs are distinct): the application refuses a
-- second one while an earlier one about the same user is still open or triaged. (A generated
-- dedupe column was tried: MariaDB refuses CHAR columns in indexed generated columns.)
ALTER TABLE reports
    ADD UNIQUE KEY uq_reports_conversation_dedupe (reporter_user_id, reported_user_id, conversation_session_id);
