-- user_profiles.onboarding_completed_at: when the profile first became complete (nickname,
-- preferences, 3 values, 3 interests). Onboarding is derived from the profile and a later PUT
-- may make a profile incomplete again; this column is what makes the
-- profile.onboarding_completed event (docs/events.md) happen once per person, not once per
-- return to completeness. Profiles completed before this migration are stamped on their next
-- write, without an event: their completion happened before events were recorded.
ALTER TABLE user_profiles ADD COLUMN onboarding_completed_at DATETIME(3) NULL AFTER bio;
