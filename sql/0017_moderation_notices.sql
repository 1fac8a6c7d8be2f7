-- 0017_moderation_notices.sql: what a moderator's warning tells the warned person. A notice
-- stays pending until the person acknowledges it (GET /api/me/notices, POST .../ack); it is
-- also sent live as a `moderation.notice` frame.
CREATE TABLE moderation_notices (
    id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    report_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    kind ENUM('warn','restrict') NOT NULL,
    message TEXT NOT NULL,
    restricted_until DATETIME(3) NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    acknowledged_at DATETIME(3) NULL,
    PRIMARY KEY (id),
    KEY ix_moderation_notices_user (user_id, acknowledged_at, created_at),
    CONSTRAINT fk_moderation_notices_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
