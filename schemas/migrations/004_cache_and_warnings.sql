-- Schema v4: cache policy per cell, page-cache residency before each run, the
-- warnings that say when a number should not be trusted, per-cell statistics
-- across runs, and more about the host.

ALTER TABLE cells ADD COLUMN cache_policy TEXT NOT NULL DEFAULT 'none';  -- none | drop | evict | warm N
ALTER TABLE cells ADD COLUMN warnings TEXT;               -- e.g. first-run-slow
ALTER TABLE runs ADD COLUMN cache_action TEXT;            -- what the policy did before the run
ALTER TABLE runs ADD COLUMN model_resident_pct REAL;      -- of the model file in the page cache, before the run
ALTER TABLE runs ADD COLUMN libtorch_resident_pct REAL;   -- of libtorch_cpu.so, before the run
ALTER TABLE runs ADD COLUMN warnings TEXT;                -- codes, e.g. cv,oversubscribed
ALTER TABLE experiments ADD COLUMN warnings TEXT;         -- host codes at the start: governor, load, swap
ALTER TABLE experiments ADD COLUMN smt TEXT;              -- threads per core, from cpu0's thread_siblings_list
ALTER TABLE experiments ADD COLUMN governor TEXT;         -- cpu0's scaling_governor; NULL without cpufreq
ALTER TABLE experiments ADD COLUMN boost TEXT;            -- cpufreq boost / intel_pstate turbo; NULL if unknown
ALTER TABLE experiments ADD COLUMN cgroup_version INTEGER;
ALTER TABLE cells ADD COLUMN latency_p50_ci_low_ms REAL;  -- bootstrap 95% CI of the median of run p50s
ALTER TABLE cells ADD COLUMN latency_p50_ci_high_ms REAL;
ALTER TABLE cells ADD COLUMN run_to_run_cv REAL;          -- CV of the measured runs' p50s
