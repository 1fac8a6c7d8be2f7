-- 0009_refresh_token_family.sql: every refresh token a session ever issued is remembered.
--
-- Until now a session remembered its current refresh token and the one before it, so a thief
-- who rotated a stolen token twice kept the session and the victim's stale token just got 401.
-- user_session_refresh_tokens holds the hash (hex SHA-256, never the token) of each token a
-- session issued, with its generation: 0 for the one it opened with, one more per rotation.
-- Presenting any of them that is no longer the session's current one revokes the session
-- (revoked_reason 'token_reuse'), except within a short grace window after it was superseded
-- (FP_REFRESH_REUSE_GRACE_SECONDS), when the same old token gets the same new one again (a
-- lost response, two tabs).
-- user_sessions.refresh_generation is the current token's generation; refresh_rotated_at is
-- when it was issued by a rotation (NULL: the session's first token). Rows go with their
-- session.

CREATE TABLE user_session_refresh_tokens (
    token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    session_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    generation INT UNSIGNED NOT NULL,
    issued_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (token_hash),
    UNIQUE KEY uq_refresh_tokens_generation (session_id, generation),
    CONSTRAINT fk_refresh_tokens_session FOREIGN KEY (session_id) REFERENCES user_sessions (id)
        ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE user_sessions
    ADD COLUMN refresh_generation INT UNSIGNED NOT NULL DEFAULT 0,
    ADD COLUMN refresh_rotated_at DATETIME(3) NULL;

-- Sessions from before: the token before the current one (when there was a rotation) and the
-- current one.
UPDATE user_sessions SET refresh_generation = 1, refresh_rotated_at = last_used_at
    WHERE previous_refresh_token_hash IS NOT NULL;

INSERT INTO user_session_refresh_tokens (token_hash, session_id, generation, issued_at)
    SELECT previous_refresh_token_hash, id, 0, created_at FROM user_sessions
    WHERE previous_refresh_token_hash IS NOT NULL;

INSERT INTO user_session_refresh_tokens (token_hash, session_id, generation, issued_at)
    SELECT refresh_token_hash, id, refresh_generation, last_used_at FROM user_sessions;
