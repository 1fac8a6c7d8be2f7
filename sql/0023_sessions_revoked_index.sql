-- The session purge finds the sessions revoked long enough ago by this index, one range per way
-- a session ends, rather than scanning user_sessions for an OR of both
-- (IdentityRepository::purgeEndedSessions); the reads of a DELETE lock what they scan.
ALTER TABLE user_sessions ADD KEY ix_sessions_revoked (revoked_at);
