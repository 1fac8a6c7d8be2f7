-- access_changes: one row for each change to what a bearer token's session stands for, written
-- in the transaction that makes it: a session revoked (session_id set), or an account's status,
-- restriction, ban, role or deletion changed (session_id NULL: every session of user_id).
-- Every instance reads the rows of the last 30 s once a second and forgets what it cached
-- about those sessions and accounts (server/identity/TokenVerifier.h), so a session state it
-- read stays trustworthy for as long as those reads keep succeeding, instead of being read
-- again every 3 s. changed_at is MariaDB's UTC clock at the write. Rows older than a day are
-- purged with the ended sessions.
CREATE TABLE access_changes (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    user_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    session_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    changed_at DATETIME(3) NOT NULL,
    PRIMARY KEY (id),
    KEY ix_access_changes_changed (changed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
