-- 0008_match_conversation.sql: a match names the conversation it opened.
--
-- Each table has one owning domain (docs/architecture.md): match_sessions belongs to matching,
-- conversation_sessions to conversation, which sits above matching. The matching domain chooses
-- the conversation's id when it records a match (the conversation domain opens the row in the
-- same transaction), and keeps it here, so "which conversation did this match open" is answered
-- from its own table. Rows from before this migration get the id of their conversation.

ALTER TABLE match_sessions
    ADD COLUMN conversation_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL;

UPDATE match_sessions m JOIN conversation_sessions c ON c.match_session_id = m.id
    SET m.conversation_id = c.id;
