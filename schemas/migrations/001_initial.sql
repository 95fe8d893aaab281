-- Results schema v1. Each file in schemas/migrations moves the schema up one version
-- (PRAGMA user_version) and is compiled into the orchestrator, which applies the
-- missing ones, each in its own transaction, whenever it opens a results DB.
-- Tables are the storage; the views (run_phases, cell_summary) are the stable API.
-- Units are in the column names; times are UTC ISO 8601.

CREATE TABLE experiments (
  id                   INTEGER PRIMARY KEY,
  name                 TEXT NOT NULL,
  status               TEXT NOT NULL DEFAULT 'running',  -- running | finished | interrupted
  started_at           TEXT NOT NULL,
  finished_at          TEXT,
  matrix_path          TEXT NOT NULL,
  matrix_yaml          TEXT NOT NULL,   -- the matrix file as it was read
  hostname             TEXT,
  kernel               TEXT,
  cpu_model            TEXT,
  online_cpus          TEXT,            -- CPU list, e.g. 0-1
  orchestrator_version TEXT
);

CREATE TABLE cells (
  id                INTEGER PRIMARY KEY,
  experiment_id     INTEGER NOT NULL REFERENCES experiments(id),
  cell_index        INTEGER NOT NULL,   -- 0-based, in matrix expansion order
  label             TEXT NOT NULL,
  launcher          TEXT NOT NULL,
  cpuset            TEXT,               -- requested; NULL: not restricted
  env_json          TEXT NOT NULL,      -- requested environment, e.g. {"OMP_NUM_THREADS":"1"}
  model_path        TEXT NOT NULL,
  input_shape       TEXT NOT NULL,      -- e.g. 1,3,224,224
  device            TEXT NOT NULL,
  warmup_iterations INTEGER NOT NULL,
  iterations        INTEGER NOT NULL,
  command_line      TEXT NOT NULL,      -- with <spawn-ns> and <result-file> placeholders
  UNIQUE (experiment_id, cell_index)
);

CREATE TABLE runs (
  id                       INTEGER PRIMARY KEY,
  cell_id                  INTEGER NOT NULL REFERENCES cells(id),
  run_index                INTEGER NOT NULL,  -- 0-based; warm-up runs come first
  is_warmup                INTEGER NOT NULL,  -- 1: a discarded fresh-process run
  status                   TEXT NOT NULL,     -- ok | error | failed | crashed | timeout | bad_result | launch_failed | aborted
  reason                   TEXT,
  started_at               TEXT NOT NULL,
  command_line             TEXT NOT NULL,
  exit_code                INTEGER,
  term_signal              INTEGER,
  wall_ms                  REAL,              -- spawn to reap, monotonic
  user_cpu_ms              REAL,              -- wait4 rusage from here on
  sys_cpu_ms               REAL,
  max_rss_kib              INTEGER,
  minor_faults             INTEGER,
  major_faults             INTEGER,
  voluntary_ctx_switches   INTEGER,
  involuntary_ctx_switches INTEGER,
  -- in effect inside the worker, as it reported
  torch_version            TEXT,
  blas_libraries           TEXT,              -- the BLAS shared objects actually mapped
  mkldnn                   INTEGER,
  mkl                      INTEGER,
  openmp                   INTEGER,
  intra_op_threads         INTEGER,
  inter_op_threads         INTEGER,
  effective_cpus           TEXT,              -- sched_getaffinity, CPU list
  effective_nproc          INTEGER,
  online_cpus              INTEGER,
  threads_observed         INTEGER,           -- threads the worker process had at the end
  thread_env_json          TEXT,              -- thread variables the worker saw
  parallel_info            TEXT,
  -- over the timed loop's samples
  latency_n                INTEGER,
  latency_mean_ms          REAL,
  latency_stddev_ms        REAL,
  latency_cv               REAL,
  latency_min_ms           REAL,
  latency_p50_ms           REAL,
  latency_p90_ms           REAL,
  latency_p99_ms           REAL,
  latency_max_ms           REAL,
  stdout_tail              TEXT,
  stderr_tail              TEXT,
  UNIQUE (cell_id, run_index)
);

CREATE TABLE phases (
  run_id      INTEGER NOT NULL REFERENCES runs(id),
  seq         INTEGER NOT NULL,  -- order within the run
  name        TEXT NOT NULL,     -- process_start | library_load | runtime_init | model_load | first_inference | warmup | timed_loop
  start_ms    REAL NOT NULL,     -- from the spawn timestamp
  duration_ms REAL NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE samples (
  run_id     INTEGER NOT NULL REFERENCES runs(id),
  iteration  INTEGER NOT NULL,   -- 0-based within the timed loop
  latency_ms REAL NOT NULL,
  PRIMARY KEY (run_id, iteration)
) WITHOUT ROWID;

CREATE INDEX runs_by_cell ON runs(cell_id);
CREATE INDEX cells_by_experiment ON cells(experiment_id);

-- One row per run: the cell's parameters, each phase in ms, the latency statistics.
CREATE VIEW run_phases AS
SELECT r.id AS run_id,
       c.experiment_id,
       c.id AS cell_id,
       c.cell_index,
       c.label AS cell,
       c.launcher,
       c.cpuset,
       c.env_json AS env,
       r.run_index,
       r.is_warmup,
       r.status,
       r.reason,
       r.started_at,
       MAX(CASE WHEN p.name = 'process_start'   THEN p.duration_ms END) AS process_start_ms,
       MAX(CASE WHEN p.name = 'library_load'    THEN p.duration_ms END) AS library_load_ms,
       MAX(CASE WHEN p.name = 'runtime_init'    THEN p.duration_ms END) AS runtime_init_ms,
       MAX(CASE WHEN p.name = 'model_load'      THEN p.duration_ms END) AS model_load_ms,
       MAX(CASE WHEN p.name = 'first_inference' THEN p.duration_ms END) AS first_inference_ms,
       MAX(CASE WHEN p.name = 'warmup'          THEN p.duration_ms END) AS warmup_ms,
       MAX(CASE WHEN p.name = 'timed_loop'      THEN p.duration_ms END) AS timed_loop_ms,
       r.latency_n,
       r.latency_mean_ms,
       r.latency_stddev_ms,
       r.latency_cv,
       r.latency_p50_ms,
       r.latency_p90_ms,
       r.latency_p99_ms,
       r.intra_op_threads,
       r.inter_op_threads,
       r.effective_cpus,
       r.threads_observed,
       r.blas_libraries,
       r.wall_ms,
       r.user_cpu_ms,
       r.sys_cpu_ms,
       r.max_rss_kib,
       r.major_faults,
       r.involuntary_ctx_switches
FROM runs r
JOIN cells c ON c.id = r.cell_id
LEFT JOIN phases p ON p.run_id = r.id
GROUP BY r.id;

-- One row per cell: medians across its measured (non-warm-up) ok runs.
CREATE VIEW cell_summary AS
WITH measured AS (
  SELECT * FROM run_phases WHERE is_warmup = 0 AND status = 'ok'
), ranked AS (
  SELECT cell_id, library_load_ms, model_load_ms, first_inference_ms, latency_mean_ms,
         latency_p50_ms, latency_p99_ms,
         COUNT(*) OVER w AS n,
         ROW_NUMBER() OVER (w ORDER BY library_load_ms)    AS library_load_rank,
         ROW_NUMBER() OVER (w ORDER BY model_load_ms)      AS model_load_rank,
         ROW_NUMBER() OVER (w ORDER BY first_inference_ms) AS first_inference_rank,
         ROW_NUMBER() OVER (w ORDER BY latency_mean_ms)    AS mean_rank,
         ROW_NUMBER() OVER (w ORDER BY latency_p50_ms)     AS p50_rank,
         ROW_NUMBER() OVER (w ORDER BY latency_p99_ms)     AS p99_rank
  FROM measured
  WINDOW w AS (PARTITION BY cell_id)
), medians AS (
  -- the middle row, or the mean of the two middle rows
  SELECT cell_id,
         AVG(CASE WHEN library_load_rank    IN ((n + 1) / 2, (n + 2) / 2) THEN library_load_ms END)    AS library_load_ms,
         AVG(CASE WHEN model_load_rank      IN ((n + 1) / 2, (n + 2) / 2) THEN model_load_ms END)      AS model_load_ms,
         AVG(CASE WHEN first_inference_rank IN ((n + 1) / 2, (n + 2) / 2) THEN first_inference_ms END) AS first_inference_ms,
         AVG(CASE WHEN mean_rank            IN ((n + 1) / 2, (n + 2) / 2) THEN latency_mean_ms END)    AS latency_mean_ms,
         AVG(CASE WHEN p50_rank             IN ((n + 1) / 2, (n + 2) / 2) THEN latency_p50_ms END)     AS latency_p50_ms,
         AVG(CASE WHEN p99_rank             IN ((n + 1) / 2, (n + 2) / 2) THEN latency_p99_ms END)     AS latency_p99_ms
  FROM ranked
  GROUP BY cell_id
)
SELECT c.experiment_id,
       c.cell_index,
       c.label AS cell,
       c.launcher,
       c.cpuset,
       c.env_json AS env,
       (SELECT COUNT(*) FROM runs r WHERE r.cell_id = c.id AND r.is_warmup = 0) AS runs,
       (SELECT COUNT(*) FROM runs r WHERE r.cell_id = c.id AND r.is_warmup = 0 AND r.status = 'ok') AS runs_ok,
       (SELECT GROUP_CONCAT(DISTINCT r.intra_op_threads) FROM runs r
         WHERE r.cell_id = c.id AND r.is_warmup = 0) AS intra_op_threads,
       (SELECT GROUP_CONCAT(DISTINCT r.inter_op_threads) FROM runs r
         WHERE r.cell_id = c.id AND r.is_warmup = 0) AS inter_op_threads,
       (SELECT GROUP_CONCAT(DISTINCT r.effective_cpus) FROM runs r
         WHERE r.cell_id = c.id AND r.is_warmup = 0) AS effective_cpus,
       ROUND(m.library_load_ms, 3)    AS library_load_ms,
       ROUND(m.model_load_ms, 3)      AS model_load_ms,
       ROUND(m.first_inference_ms, 3) AS first_inference_ms,
       ROUND(m.latency_mean_ms, 3)    AS latency_mean_ms,
       ROUND(m.latency_p50_ms, 3)     AS latency_p50_ms,
       ROUND(m.latency_p99_ms, 3)     AS latency_p99_ms
FROM cells c
LEFT JOIN medians m ON m.cell_id = c.id;
