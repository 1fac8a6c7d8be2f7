-- Decision-gate bookkeeping of the conversation domain (server/conversation/GateScheduler.h).
-- Gate timers are derived from started_at and these counters, so they survive restarts, and
-- every instance claims an announcement or a resolution with a conditional UPDATE on them, so
-- each gate is announced and resolved exactly once however many instances run.
--   gates_announced: how many gates (1..3) have been announced with gate.open
--   gates_resolved: how many gates have a result (gate.result sent)
--   last_gate_outcome: the result of gate number gates_resolved (earlier ones were continued)

ALTER TABLE conversation_sessions
    ADD COLUMN gates_announced TINYINT UNSIGNED NOT NULL DEFAULT 0,
    ADD COLUMN gates_resolved TINYINT UNSIGNED NOT NULL DEFAULT 0,
    ADD COLUMN last_gate_outcome ENUM('revealed','continued','closed') NULL;
