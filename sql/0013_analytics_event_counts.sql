-- analytics_event_counts: how many events of each type happened in each hour, kept by the
-- analytics consumer of the event stream (server/analytics/AnalyticsConsumer) rather than by
-- scanning the main tables. The consumer adds a batch's counts in the transaction that marks
-- its events applied, so a count never includes an event twice.
CREATE TABLE analytics_event_counts (
    event_type VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    bucket_start DATETIME NOT NULL,
    events BIGINT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (event_type, bucket_start),
    KEY ix_analytics_event_counts_bucket (bucket_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
