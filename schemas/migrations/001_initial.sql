-- Results schema v1. Each file in schemas/migrations moves the schema up one version
-- (PRAGMA user_version) and is compiled into the orchestrator, which applies the
-- missing ones, each in its own transaction, whenever it opens a results DB.
-- Tables are the storage; the views in schemas/views.sql are the stable API.
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
