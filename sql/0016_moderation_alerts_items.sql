-- 0016_moderation_alerts_items.sql: live staff alerts, moderation items raised by the chat
-- rules, blocked messages kept as evidence, and the new moderator actions (docs/moderation.md).

-- What staff sockets hear (`staff.alert`), kept so a console that reconnects replays what it
-- missed (`staff.subscribe` with `after_id`). Codes and ids only: never anything a person wrote.
CREATE TABLE staff_alerts (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    kind VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    report_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    source ENUM('report','rules') NOT NULL,
    severity ENUM('low','medium','high','critical') NOT NULL,
    status ENUM('open','triaged','actioned','dismissed') NOT NULL,
    reason_code VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    KEY ix_staff_alerts_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Items the rules raise are reports without a reporter (source 'rules', reason_code = the
-- rule's label); a flagged message is named as the evidence. first_claimed_at measures the
-- time to first claim. The actions grow by separate and manual_review.
ALTER TABLE reports
    MODIFY reporter_user_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN source ENUM('report','rules') NOT NULL DEFAULT 'report' AFTER id,
    ADD COLUMN evidence_message_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER details_text,
    ADD COLUMN first_claimed_at DATETIME(3) NULL AFTER claimed_until,
    ADD COLUMN restricted_until DATETIME(3) NULL AFTER resolved_at,
    ADD COLUMN trust_delta INT NULL AFTER restricted_until,
    MODIFY resolution_action ENUM('dismiss','warn','restrict','ban','separate','manual_review') NULL,
    ADD KEY ix_reports_source_status (source, status, created_at),
    ADD KEY ix_reports_resolved (resolved_at);

-- Claims made before this migration count from their first claim as far as we can tell.
UPDATE reports SET first_claimed_at = updated_at WHERE status <> 'open' AND first_claimed_at IS NULL;

-- Messages the rules blocked: never stored as chat nor shown to the peer, kept here so a
-- moderator sees what was attempted. Kept while an item about them is open, and deleted with
-- the conversation's other messages by the message_retention job otherwise.
CREATE TABLE blocked_messages (
    id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    conversation_session_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    sender_user_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    text TEXT NOT NULL,
    label VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    rule_ids VARCHAR(512) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    KEY ix_blocked_messages_sender (sender_user_id, created_at),
    KEY ix_blocked_messages_conversation (conversation_session_id, created_at),
    KEY ix_blocked_messages_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
