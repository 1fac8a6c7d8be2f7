-- Product analytics rollups (docs/analytics.md), kept by the analytics consumer of the event
-- stream in the transaction that marks the events applied, and rebuilt from the outbox by
-- `friendship-server analytics-rebuild`. Charts read these few rows instead of scanning the
-- main tables. People are named by their account id until the account is deleted, then by a
-- pseudonym (AnalyticsService::eraseFor), like the outbox.

-- analytics_counters: how many of something happened per metric, dimension (a gate, a reason,
-- a client event name; '' for none) and time bucket. Every event adds to its minute, hour and
-- day; the analytics_retention job drops minutes after 2 days and hours after 90 days.
CREATE TABLE analytics_counters (
    metric VARCHAR(48) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    grain ENUM('minute','hour','day') NOT NULL,
    dimension VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    bucket_start DATETIME NOT NULL,
    value BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (metric, grain, dimension, bucket_start),
    KEY ix_analytics_counters_age (grain, bucket_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- analytics_active_days / analytics_active_weeks: who did anything (was the actor of an event)
-- on a UTC day / in a week (Monday). DAU/WAU/MAU are exact COUNT(DISTINCT person) over them.
CREATE TABLE analytics_active_days (
    day DATE NOT NULL,
    person CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (day, person),
    KEY ix_analytics_active_days_person (person)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE analytics_active_weeks (
    week DATE NOT NULL,
    person CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (week, person),
    KEY ix_analytics_active_weeks_person (person)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- analytics_people: one row per person who signed up, with when they first reached each step
-- of the funnel and the breakdowns as they were at onboarding (country, age range, friendship
-- intention).
CREATE TABLE analytics_people (
    person CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    signed_up_at DATETIME(3) NOT NULL,
    cohort_week DATE NOT NULL,
    region VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NULL,
    age_range VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    intention VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
    onboarded_at DATETIME(3) NULL,
    first_queue_at DATETIME(3) NULL,
    first_match_at DATETIME(3) NULL,
    first_gate_at DATETIME(3) NULL,
    first_reveal_at DATETIME(3) NULL,
    first_friendship_at DATETIME(3) NULL,
    first_reflection_at DATETIME(3) NULL,
    second_friendship_at DATETIME(3) NULL,
    PRIMARY KEY (person),
    KEY ix_analytics_people_cohort (cohort_week)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- analytics_cohort_activity: per sign-up week, its size (period 'size', offset 0) and how many
-- of its people were active N days ('day') or N weeks ('week') after signing up.
CREATE TABLE analytics_cohort_activity (
    cohort_week DATE NOT NULL,
    period ENUM('size','day','week') NOT NULL,
    offset_n SMALLINT UNSIGNED NOT NULL,
    people BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (cohort_week, period, offset_n)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- analytics_conversations: what the consumer remembers of a conversation to count it once (the
-- gate it reached, how it ended) and to count reports in the bucket of the conversation's
-- start. Dropped 90 days after it started.
CREATE TABLE analytics_conversations (
    conversation_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    person_a CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    person_b CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    started_at DATETIME(3) NOT NULL,
    reached_gate TINYINT UNSIGNED NOT NULL DEFAULT 0,
    ended ENUM('running','revealed','closed') NOT NULL DEFAULT 'running',
    PRIMARY KEY (conversation_id),
    KEY ix_analytics_conversations_started (started_at),
    KEY ix_analytics_conversations_a (person_a),
    KEY ix_analytics_conversations_b (person_b)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- analytics_rollup_lock: one row. The consumer's batches take it shared, a rebuild exclusively,
-- so a rebuild never interleaves with live updates.
CREATE TABLE analytics_rollup_lock (
    id TINYINT UNSIGNED NOT NULL,
    rebuilt_at DATETIME(3) NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO analytics_rollup_lock (id) VALUES (1);
