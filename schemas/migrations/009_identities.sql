-- Schema v9: an orchestrator is identified by its pid *and* its start time (clock
-- ticks after boot) in the boot it ran in, so that the next start never takes a live
-- orchestrator's runs for a dead one's, whatever lock it used; and a run records the
-- other orchestrators that were measuring on the machine beside it (warning
-- 'concurrent').

ALTER TABLE experiments ADD COLUMN orchestrator_start_ticks INTEGER;
ALTER TABLE experiments ADD COLUMN boot_id TEXT;

ALTER TABLE runs ADD COLUMN concurrent_orchestrators TEXT;  -- "pid 812 (orchestrator run ...)", "; "-joined
