-- Sign in with Google and Apple (issue #21). The nonce of every ID token accepted to sign in
-- or to link a provider, so that no token is accepted twice (a replay). Keyed by the SHA-256
-- of the issuer and the token's nonce claim; a row goes once the token it came with has
-- expired (a later token can no longer carry it anyway). user_auth_identities (0001) holds the
-- linked providers themselves.
CREATE TABLE oidc_used_nonces (
    nonce_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    expires_at DATETIME(3) NOT NULL,
    PRIMARY KEY (nonce_hash),
    KEY ix_oidc_used_nonces_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
