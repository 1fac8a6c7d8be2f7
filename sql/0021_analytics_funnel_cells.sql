-- analytics_funnel_cells: the funnel (docs/analytics.md) counted ahead, so a chart of a cohort
-- of any size reads a few hundred rows instead of one row per person. Per sign-up day (UTC),
-- breakdown ('none': everyone; region, age_range, intention: as at onboarding) and its value
-- ('' when not given), funnel step (0 = signed up .. 8 = a second friendship) and bin of the
-- time since the step before (gap_bin: the bin's upper bound in seconds,
-- AnalyticsMetrics::funnelGapBins(); -1 when the step before was never reached, and for step
-- 0): how many people. Kept by the analytics consumer with analytics_people (every change of a
-- person's row uncounts the row as it was and counts it as it is), rebuilt with it, and kept
-- forever like it. Rows counting nobody are dropped.
CREATE TABLE analytics_funnel_cells (
    breakdown ENUM('none','region','age_range','intention') NOT NULL,
    signup_day DATE NOT NULL,
    value VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    step TINYINT UNSIGNED NOT NULL,
    gap_bin INT NOT NULL,
    people BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (breakdown, signup_day, value, step, gap_bin)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- People who signed up before this table existed are counted from analytics_people as it is,
-- every step in one statement, with the bins of AnalyticsMetrics::funnelGapBins() (a time past
-- the last bound counts in it).
CREATE TEMPORARY TABLE funnel_gap_bins (bound INT NOT NULL PRIMARY KEY);

INSERT INTO funnel_gap_bins (bound) VALUES
    (0), (1), (2), (3), (5), (10), (15), (20),
    (30), (45), (60), (90), (120), (180), (300), (600),
    (900), (1200), (1800), (2700), (3600), (5400), (7200), (10800),
    (21600), (43200), (86400), (172800), (259200), (432000), (604800), (864000),
    (1209600), (1814400), (2592000), (3888000), (5184000), (7776000), (10368000), (15552000),
    (23328000), (31536000);

-- Each step (steps.step) with the moment it was reached and the moment of the step before.
INSERT INTO analytics_funnel_cells (breakdown, signup_day, value, step, gap_bin, people)
SELECT b.breakdown, DATE(p.signed_up_at) AS day,
       CASE b.breakdown WHEN 'none' THEN '' WHEN 'region' THEN IFNULL(p.region, '')
                        WHEN 'age_range' THEN IFNULL(p.age_range, '')
                        ELSE IFNULL(p.intention, '') END AS v,
       steps.step,
       IF(steps.step = 0 OR
              CASE steps.step WHEN 1 THEN p.signed_up_at WHEN 2 THEN p.onboarded_at
                              WHEN 3 THEN p.first_queue_at WHEN 4 THEN p.first_match_at
                              WHEN 5 THEN p.first_gate_at WHEN 6 THEN p.first_reveal_at
                              WHEN 7 THEN p.first_friendship_at
                              WHEN 8 THEN p.first_reflection_at END IS NULL, -1,
          COALESCE((SELECT MIN(bound) FROM funnel_gap_bins WHERE bound >=
                    TIMESTAMPDIFF(MICROSECOND,
                        CASE steps.step WHEN 1 THEN p.signed_up_at WHEN 2 THEN p.onboarded_at
                                        WHEN 3 THEN p.first_queue_at WHEN 4 THEN p.first_match_at
                                        WHEN 5 THEN p.first_gate_at WHEN 6 THEN p.first_reveal_at
                                        WHEN 7 THEN p.first_friendship_at
                                        WHEN 8 THEN p.first_reflection_at END,
                        CASE steps.step WHEN 1 THEN p.onboarded_at WHEN 2 THEN p.first_queue_at
                                        WHEN 3 THEN p.first_match_at WHEN 4 THEN p.first_gate_at
                                        WHEN 5 THEN p.first_reveal_at
                                        WHEN 6 THEN p.first_friendship_at
                                        WHEN 7 THEN p.first_reflection_at
                                        WHEN 8 THEN p.second_friendship_at END) / 1000000),
                   31536000)) AS bin,
       COUNT(*)
FROM analytics_people p
CROSS JOIN (SELECT 'none' AS breakdown UNION ALL SELECT 'region' UNION ALL SELECT 'age_range'
            UNION ALL SELECT 'intention') b
CROSS JOIN (SELECT 0 AS step UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
            UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
            UNION ALL SELECT 8) steps
WHERE CASE steps.step WHEN 0 THEN p.signed_up_at WHEN 1 THEN p.onboarded_at
                      WHEN 2 THEN p.first_queue_at WHEN 3 THEN p.first_match_at
                      WHEN 4 THEN p.first_gate_at WHEN 5 THEN p.first_reveal_at
                      WHEN 6 THEN p.first_friendship_at WHEN 7 THEN p.first_reflection_at
                      WHEN 8 THEN p.second_friendship_at END IS NOT NULL
GROUP BY b.breakdown, day, v, steps.step, bin;

DROP TEMPORARY TABLE funnel_gap_bins;
