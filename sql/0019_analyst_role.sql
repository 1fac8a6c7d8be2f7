-- The analyst role: product staff who see analytics and aggregated queue metrics only, never a
-- report, a message, an email or a user id (docs/analytics.md).
ALTER TABLE users MODIFY role ENUM('user','moderator','admin','analyst') NOT NULL DEFAULT 'user';
