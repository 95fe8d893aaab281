-- One data path (issue 10): the views select stored rows, so their cost follows the
-- experiment asked for, not the DB's history.
-- The views are recreated after the migrations (schemas/views.sql); they go first
-- here so that no view holds on to a column this migration renames or drops.
DROP VIEW IF EXISTS cell_summary;
DROP VIEW IF EXISTS run_phases;

-- Each phase's duration as a column of its run (phases keeps every phase as reported).
ALTER TABLE runs ADD COLUMN process_start_ms REAL;
ALTER TABLE runs ADD COLUMN library_load_ms REAL;
ALTER TABLE runs ADD COLUMN runtime_init_ms REAL;
ALTER TABLE runs ADD COLUMN model_load_ms REAL;
ALTER TABLE runs ADD COLUMN first_inference_ms REAL;
ALTER TABLE runs ADD COLUMN warmup_ms REAL;
ALTER TABLE runs ADD COLUMN timed_loop_ms REAL;
UPDATE runs SET
  process_start_ms   = (SELECT MAX(duration_ms) FROM phases p WHERE p.run_id = runs.id AND p.name = 'process_start'),
  library_load_ms    = (SELECT MAX(duration_ms) FROM phases p WHERE p.run_id = runs.id AND p.name = 'library_load'),
  runtime_init_ms    = (SELECT MAX(duration_ms) FROM phases p WHERE p.run_id = runs.id AND p.name = 'runtime_init'),
  model_load_ms      = (SELECT MAX(duration_ms) FROM phases p WHERE p.run_id = runs.id AND p.name = 'model_load'),
  first_inference_ms = (SELECT MAX(duration_ms) FROM phases p WHERE p.run_id = runs.id AND p.name = 'first_inference'),
  warmup_ms          = (SELECT MAX(duration_ms) FROM phases p WHERE p.run_id = runs.id AND p.name = 'warmup'),
  timed_loop_ms      = (SELECT MAX(duration_ms) FROM phases p WHERE p.run_id = runs.id AND p.name = 'timed_loop');

-- One name per quantity: asked cpu_quota_percent (cells), in effect as the worker read
-- it effective_cpu_quota_percent, and as the orchestrator read it from outside, from
-- the cgroup it made for the run, outside_*.
ALTER TABLE runs RENAME COLUMN effective_quota_percent TO effective_cpu_quota_percent;
ALTER TABLE runs ADD COLUMN outside_cpu_quota_percent REAL;      -- NULL: no quota, or no cgroup of ours
ALTER TABLE runs ADD COLUMN outside_cpus TEXT;                   -- the run cgroup's CPU list
ALTER TABLE runs ADD COLUMN outside_memory_limit_bytes INTEGER;  -- NULL: unlimited, or no cgroup of ours

-- A cell's statistics, computed by the orchestrator (orchestrator/measure/cell_statistics.cpp)
-- from the cell's stored runs, when its runs are done. A row is deleted in every
-- transaction that changes the cell's runs, so a row present is never stale; the
-- orchestrator computes missing rows when it opens the DB to run (rows of DBs from
-- before this migration included).
CREATE TABLE cell_statistics (
  cell_id                      INTEGER PRIMARY KEY REFERENCES cells(id),
  computed_at                  TEXT NOT NULL,   -- UTC
  runs                         INTEGER NOT NULL,  -- measured runs (not warm-up), any status
  runs_ok                      INTEGER NOT NULL,
  -- what was in effect: the distinct values of the measured runs, in run order
  intra_op_threads             TEXT,
  inter_op_threads             TEXT,
  effective_cpus               TEXT,
  effective_cpu_quota_percent  TEXT,
  effective_memory_limit_bytes TEXT,
  device_name                  TEXT,
  limit_mismatches             INTEGER NOT NULL,  -- measured runs whose limits differed from the asked
  failures                     TEXT,  -- the distinct statuses of measured runs that failed
  warnings                     TEXT,  -- the runs' and the cell's codes, sorted
  -- medians over the measured ok runs, NULLs not counted
  library_load_ms              REAL,
  model_load_ms                REAL,
  first_inference_ms           REAL,
  latency_mean_ms              REAL,
  latency_p50_ms               REAL,
  latency_p99_ms               REAL,
  throttled_ms                 REAL,
  peak_memory_bytes            INTEGER,
  max_rss_kib                  INTEGER,
  involuntary_ctx_switches     INTEGER,
  device_latency_p50_ms        REAL,
  latency_p50_ci_low_ms        REAL,  -- bootstrap 95% CI of the median of run p50s
  latency_p50_ci_high_ms       REAL,
  run_to_run_cv                REAL   -- CV of the measured ok runs' p50s
);

-- What cell_statistics now holds: recomputed from the runs, not copied.
ALTER TABLE cells DROP COLUMN warnings;
ALTER TABLE cells DROP COLUMN latency_p50_ci_low_ms;
ALTER TABLE cells DROP COLUMN latency_p50_ci_high_ms;
ALTER TABLE cells DROP COLUMN run_to_run_cv;
