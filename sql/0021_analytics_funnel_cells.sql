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
-- one step at a time, with the bins of AnalyticsMetrics::funnelGapBins() (a time past the
-- last bound counts in it).
CREATE TEMPORARY TABLE funnel_gap_bins (bound INT NOT NULL PRIMARY KEY);

INSERT INTO funnel_gap_bins (bound) VALUES
    (0), (1), (2), (3), (5), (10), (15), (20),
    (30), (45), (60), (90), (120), (180), (300), (600),
    (900), (1200), (1800), (2700), (3600), (5400), (7200), (10800),
    (21600), (43200), (86400), (172800), (259200), (432000), (604800), (864000),
    (1209600), (1814400), (2592000), (3888000), (5184000), (7776000), (10368000), (15552000),
    (23328000), (31536000);

INSERT INTO analytics_funnel_cells (breakdown, signup_day, value, step, gap_bin, people)
SELECT b.breakdown, DATE(p.signed_up_at) AS day,
       CASE b.breakdown WHEN 'none' THEN '' WHEN 'region' THEN IFNULL(p.region, '')
                        WHEN 'age_range' THEN IFNULL(p.age_range, '')
                        ELSE IFNULL(p.intention, '') END AS v,
       0, -1 AS bin,
       COUNT(*)
FROM analytics_people p
CROSS JOIN (SELECT 'none' AS breakdown UNION ALL SELECT 'region' UNION ALL SELECT 'age_range'
            UNION ALL SELECT 'intention') b
WHERE p.signed_up_at IS NOT NULL
GROUP BY b.breakdown, day, v, bin;

INSERT INTO analytics_funnel_cells (breakdown, signup_day, value, step, gap_bin, people)
SELECT b.breakdown, DATE(p.signed_up_at) AS day,
       CASE b.breakdown WHEN 'none' THEN '' WHEN 'region' THEN IFNULL(p.region, '')
                        WHEN 'age_range' THEN IFNULL(p.age_range, '')
                        ELSE IFNULL(p.intention, '') END AS v,
       1, IF(p.signed_up_at IS NULL, -1,
              COALESCE((SELECT MIN(bound) FROM funnel_gap_bins WHERE bound >=
                        TIMESTAMPDIFF(MICROSECOND, p.signed_up_at, p.onboarded_at) / 1000000), 31536000)) AS bin,
       COUNT(*)
FROM analytics_people p
CROSS JOIN (SELECT 'none' AS breakdown UNION ALL SELECT 'region' UNION ALL SELECT 'age_range'
            UNION ALL SELECT 'intention') b
WHERE p.onboarded_at IS NOT NULL
GROUP BY b.breakdown, day, v, bin;

INSERT INTO analytics_funnel_cells (breakdown, signup_day, value, step, gap_bin, people)
SELECT b.breakdown, DATE(p.signed_up_at) AS day,
       CASE b.breakdown WHEN 'none' THEN '' WHEN 'region' THEN IFNULL(p.region, '')
                        WHEN 'age_range' THEN IFNULL(p.age_range, '')
                        ELSE IFNULL(p.intention, '') END AS v,
       2, IF(p.onboarded_at IS NULL, -1,
              COALESCE((SELECT MIN(bound) FROM funnel_gap_bins WHERE bound >=
                        TIMESTAMPDIFF(MICROSECOND, p.onboarded_at, p.first_queue_at) / 1000000), 31536000)) AS bin,
       COUNT(*)
FROM analytics_people p
CROSS JOIN (SELECT 'none' AS breakdown UNION ALL SELECT 'region' UNION ALL SELECT 'age_range'
            UNION ALL SELECT 'intention') b
WHERE p.first_queue_at IS NOT NULL
GROUP BY b.breakdown, day, v, bin;

INSERT INTO analytics_funnel_cells (breakdown, signup_day, value, step, gap_bin, people)
SELECT b.breakdown, DATE(p.signed_up_at) AS day,
       CASE b.breakdown WHEN 'none' THEN '' WHEN 'region' THEN IFNULL(p.region, '')
                        WHEN 'age_range' THEN IFNULL(p.age_range, '')
                        ELSE IFNULL(p.intention, '') END AS v,
       3, IF(p.first_queue_at IS NULL, -1,
              COALESCE((SELECT MIN(bound) FROM funnel_gap_bins WHERE bound >=
                        TIMESTAMPDIFF(MICROSECOND, p.first_queue_at, p.first_match_at) / 1000000), 31536000)) AS bin,
       COUNT(*)
FROM analytics_people p
CROSS JOIN (SELECT 'none' AS breakdown UNION ALL SELECT 'region' UNION ALL SELECT 'age_range'
            UNION ALL SELECT 'intention') b
WHERE p.first_match_at IS NOT NULL
GROUP BY b.breakdown, day, v, bin;

INSERT INTO analytics_funnel_cells (breakdown, signup_day, value, step, gap_bin, people)
SELECT b.breakdown, DATE(p.signed_up_at) AS day,
       CASE b.breakdown WHEN 'none' THEN '' WHEN 'region' THEN IFNULL(p.region, '')
                        WHEN 'age_range' THEN IFNULL(p.age_range, '')
                        ELSE IFNULL(p.intention, '') END AS v,
       4, IF(p.first_match_at IS NULL, -1,
              COALESCE((SELECT MIN(bound) FROM funnel_gap_bins WHERE bound >=
                        TIMESTAMPDIFF(MICROSECOND, p.first_match_at, p.first_gate_at) / 1000000), 31536000)) AS bin,
       COUNT(*)
FROM analytics_people p
CROSS JOIN (SELECT 'none' AS breakdown UNION ALL SELECT 'region' UNION ALL SELECT 'age_range'
            UNION ALL SELECT 'intention') b
WHERE p.first_gate_at IS NOT NULL
GROUP BY b.breakdown, day, v, bin;

INSERT INTO analytics_funnel_cells (breakdown, signup_day, value, step, gap_bin, people)
SELECT b.breakdown, DATE(p.signed_up_at) AS day,
       CASE b.breakdown WHEN 'none' THEN '' WHEN 'region' THEN IFNULL(p.region, '')
                        WHEN 'age_range' THEN IFNULL(p.age_range, '')
                        ELSE IFNULL(p.intention, '') END AS v,
       5, IF(p.first_gate_at IS NULL, -1,
              COALESCE((SELECT MIN(bound) FROM funnel_gap_bins WHERE bound >=
                        TIMESTAMPDIFF(MICROSECOND, p.first_gate_at, p.first_reveal_at) / 1000000), 31536000)) AS bin,
       COUNT(*)
FROM analytics_people p
CROSS JOIN (SELECT 'none' AS breakdown UNION ALL SELECT 'region' UNION ALL SELECT 'age_range'
            UNION ALL SELECT 'intention') b
WHERE p.first_reveal_at IS NOT NULL
GROUP BY b.breakdown, day, v, bin;

INSERT INTO analytics_funnel_cells (breakdown, signup_day, value, step, gap_bin, people)
SELECT b.breakdown, DATE(p.signed_up_at) AS day,
       CASE b.breakdown WHEN 'none' THEN '' WHEN 'region' THEN IFNULL(p.region, '')
                        WHEN 'age_range' THEN IFNULL(p.age_range, '')
                        ELSE IFNULL(p.intention, '') END AS v,
       6, IF(p.first_reveal_at IS NULL, -1,
              COALESCE((SELECT MIN(bound) FROM funnel_gap_bins WHERE bound >=
                        TIMESTAMPDIFF(MICROSECOND, p.first_reveal_at, p.first_friendship_at) / 1000000), 31536000)) AS bin,
       COUNT(*)
FROM analytics_people p
CROSS JOIN (SELECT 'none' AS breakdown UNION ALL SELECT 'region' UNION ALL SELECT 'age_range'
            UNION ALL SELECT 'intention') b
WHERE p.first_friendship_at IS NOT NULL
GROUP BY b.breakdown, day, v, bin;

INSERT INTO analytics_funnel_cells (breakdown, signup_day, value, step, gap_bin, people)
SELECT b.breakdown, DATE(p.signed_up_at) AS day,
       CASE b.breakdown WHEN 'none' THEN '' WHEN 'region' THEN IFNULL(p.region, '')
                        WHEN 'age_range' THEN IFNULL(p.age_range, '')
                        ELSE IFNULL(p.intention, '') END AS v,
       7, IF(p.first_friendship_at IS NULL, -1,
              COALESCE((SELECT MIN(bound) FROM funnel_gap_bins WHERE bound >=
                        TIMESTAMPDIFF(MICROSECOND, p.first_friendship_at, p.first_reflection_at) / 1000000), 31536000)) AS bin,
       COUNT(*)
FROM analytics_people p
CROSS JOIN (SELECT 'none' AS breakdown UNION ALL SELECT 'region' UNION ALL SELECT 'age_range'
            UNION ALL SELECT 'intention') b
WHERE p.first_reflection_at IS NOT NULL
GROUP BY b.breakdown, day, v, bin;

INSERT INTO analytics_funnel_cells (breakdown, signup_day, value, step, gap_bin, people)
SELECT b.breakdown, DATE(p.signed_up_at) AS day,
       CASE b.breakdown WHEN 'none' THEN '' WHEN 'region' THEN IFNULL(p.region, '')
                        WHEN 'age_range' THEN IFNULL(p.age_range, '')
                        ELSE IFNULL(p.intention, '') END AS v,
       8, IF(p.first_reflection_at IS NULL, -1,
              COALESCE((SELECT MIN(bound) FROM funnel_gap_bins WHERE bound >=
                        TIMESTAMPDIFF(MICROSECOND, p.first_reflection_at, p.second_friendship_at) / 1000000), 31536000)) AS bin,
       COUNT(*)
FROM analytics_people p
CROSS JOIN (SELECT 'none' AS breakdown UNION ALL SELECT 'region' UNION ALL SELECT 'age_range'
            UNION ALL SELECT 'intention') b
WHERE p.second_friendship_at IS NOT NULL
GROUP BY b.breakdown, day, v, bin;

DROP TEMPORARY TABLE funnel_gap_bins;
