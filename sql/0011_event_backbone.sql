-- The event backbone (docs/events.md).
--
-- event_outbox: every domain event, written in the transaction of the change it describes.
-- seq orders the rows as they were recorded; the relay moves unrelayed rows to the Redis stream
-- in seq order and stamps them with the id of the last entry their pass added (stream_ms-
-- stream_seq), so a Redis that lost entries (restarted without them) is noticed and every pass
-- it lost part of is relayed again. Relayed rows are
-- purged after the retention period (FP_EVENT_OUTBOX_RETENTION_HOURS).
CREATE TABLE event_outbox (
    seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    event_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    event_type VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    event_version SMALLINT UNSIGNED NOT NULL,
    occurred_at DATETIME(3) NOT NULL,
    actor_user_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
    subject_type VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    subject_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    payload_json JSON NOT NULL,
    recorded_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    relayed_at DATETIME(3) NULL,
    stream_ms BIGINT UNSIGNED NULL,
    stream_seq BIGINT UNSIGNED NULL,
    PRIMARY KEY (seq),
    UNIQUE KEY uq_event_outbox_event (event_id),
    KEY ix_event_outbox_pending (relayed_at, seq),
    KEY ix_event_outbox_actor (actor_user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- event_relay: one row per stream. Its row lock (SELECT ... FOR UPDATE SKIP LOCKED) is held by
-- the one relay pass running across all instances; last_stream_ms-last_stream_seq is the newest
-- entry it added.
CREATE TABLE event_relay (
    stream VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    last_stream_ms BIGINT UNSIGNED NULL,
    last_stream_seq BIGINT UNSIGNED NULL,
    last_relayed_at DATETIME(3) NULL,
    PRIMARY KEY (stream)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO event_relay (stream) VALUES ('events');

-- event_consumer_marks: which events each consumer group has applied, written in the same
-- transaction as the consumer's effect, so an event delivered twice changes nothing twice.
-- Kept a little longer than the outbox (the relay may relay again what it kept).
CREATE TABLE event_consumer_marks (
    consumer_group VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    event_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (consumer_group, event_id),
    KEY ix_event_consumer_marks_applied (applied_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- background_jobs: one row per periodic job. An instance runs a due job only while it holds
-- the lease (lease_holder until lease_until); lease_token grows with every grant and fences a
-- holder whose lease expired (its completion no longer matches and is ignored).
CREATE TABLE background_jobs (
    name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    lease_holder VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    lease_token BIGINT UNSIGNED NOT NULL DEFAULT 0,
    lease_until DATETIME(3) NULL,
    next_run_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    last_started_at DATETIME(3) NULL,
    last_success_at DATETIME(3) NULL,
    last_error VARCHAR(512) NULL,
    runs BIGINT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- background_job_runs: the recent runs of every job (who ran it, with which lease, from when to
-- when, and how it ended), for operators and for the proof that a job never runs twice at once.
-- Kept for FP_EVENT_OUTBOX_RETENTION_HOURS like the outbox.
CREATE TABLE background_job_runs (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    holder VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    lease_token BIGINT UNSIGNED NOT NULL,
    started_at DATETIME(3) NOT NULL,
    finished_at DATETIME(3) NULL,
    outcome ENUM('running', 'succeeded', 'failed', 'fenced') NOT NULL DEFAULT 'running',
    error VARCHAR(512) NULL,
    PRIMARY KEY (id),
    KEY ix_background_job_runs_name (name, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- user_notices: the socket frames a person must not miss (match found, gate opened and decided,
-- reveal, chat closed; moderation notices), kept with the change that caused them and sent
-- after it commits with their seq (`notice_seq`). A client that was away (a reconnect, Redis
-- down between instances) asks for what came after the last seq it saw (`notices.resume`).
-- Kept for 7 days.
CREATE TABLE user_notices (
    seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    user_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    frame_json JSON NOT NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (seq),
    KEY ix_user_notices_user (user_id, seq),
    KEY ix_user_notices_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
