-- Schema v2: resource limits per cell, and for each run the limits in effect (read
-- inside the worker), the cgroup's counters (read outside), and whether they differ.

ALTER TABLE cells ADD COLUMN cpu_quota_percent REAL;    -- requested; NULL: none
ALTER TABLE cells ADD COLUMN memory_bytes INTEGER;      -- requested; NULL: none
ALTER TABLE cells ADD COLUMN namespaces TEXT;           -- launcher unshare, e.g. net,uts

ALTER TABLE runs ADD COLUMN worker_pid INTEGER;                  -- as the worker saw itself
ALTER TABLE runs ADD COLUMN cgroup_version INTEGER;              -- in effect, read inside the worker
ALTER TABLE runs ADD COLUMN cgroup_path TEXT;
ALTER TABLE runs ADD COLUMN cgroup_cpus TEXT;
ALTER TABLE runs ADD COLUMN effective_quota_percent REAL;        -- tightest quota above the worker
ALTER TABLE runs ADD COLUMN effective_memory_limit_bytes INTEGER;
ALTER TABLE runs ADD COLUMN run_cgroup TEXT;                     -- the group the orchestrator made
ALTER TABLE runs ADD COLUMN nr_periods INTEGER;                  -- read outside, after the run
ALTER TABLE runs ADD COLUMN nr_throttled INTEGER;
ALTER TABLE runs ADD COLUMN throttled_ms REAL;
ALTER TABLE runs ADD COLUMN cgroup_cpu_ms REAL;
ALTER TABLE runs ADD COLUMN memory_peak_bytes INTEGER;
ALTER TABLE runs ADD COLUMN oom_kills INTEGER;
ALTER TABLE runs ADD COLUMN limits_mismatch TEXT;                -- NULL: everything as asked
