-- Avatars uploaded with PUT /api/profile/avatar (issue #20, docs/avatars.md). One row per
-- person who has one. storage_key is random (128 bits, hex) and never derived from the user
-- id: the object store holds avatars/<storage_key>-512.jpg and avatars/<storage_key>-128.jpg,
-- and signed URLs name the key. A new upload gets a new key, so a cached old picture is never
-- served under a new URL. user_profiles.avatar_url (0001) stays the external URL a person may
-- have set; an uploaded avatar is shown instead of it.
CREATE TABLE user_avatars (
    user_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    storage_key CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    source_format VARCHAR(8) NOT NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (user_id),
    UNIQUE KEY uq_user_avatars_key (storage_key),
    CONSTRAINT fk_user_avatars_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
