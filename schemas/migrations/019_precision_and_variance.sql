-- Adaptive precision (issue 13, orchestrator/measure/precision.h): with runs: auto,
-- runs are added to each cell until its p50's interval is within +-target_percent,
-- or it had max_runs measured runs, or its runs took max_minutes.
ALTER TABLE experiments ADD COLUMN precision_target_percent REAL;  -- NULL: no precision block (neither auto)
ALTER TABLE experiments ADD COLUMN precision_max_runs INTEGER;
ALTER TABLE experiments ADD COLUMN precision_max_minutes REAL;
ALTER TABLE cells ADD COLUMN stop_reason TEXT;  -- target | max-runs | time; NULL: fixed runs, or not stopped yet
-- Where a cell's variance comes from (orchestrator/measure/variance_components.h):
-- Kalibera and Jones's components over its measured ok runs' means, and of the
-- variance of one run's mean the share that is run to run.
ALTER TABLE cell_statistics ADD COLUMN variance_within_ms2 REAL;   -- T1^2: an iteration's, within its run
ALTER TABLE cell_statistics ADD COLUMN variance_between_ms2 REAL;  -- T2^2: the runs' own offsets
ALTER TABLE cell_statistics ADD COLUMN between_runs_share REAL;    -- T2^2 / (T2^2 + T1^2 / iterations)
-- iterations: auto: a run's timed iterations from min_iterations up to iterations,
-- until its p50 is within +-iterations_target_percent (NULL: a fixed count, and then
-- left out of settings_hash, so that fixed cells keep their identity).
ALTER TABLE cells ADD COLUMN min_iterations INTEGER;
ALTER TABLE cells ADD COLUMN iterations_target_percent REAL;
