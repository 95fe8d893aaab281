-- The stable user interface of the results DB: its views. Column names never change;
-- new columns are appended. Unlike the tables (schemas/migrations/), the views are
-- defined here once, in their latest form: whenever a migration ran, the
-- orchestrator drops and recreates them in the same transaction.

DROP VIEW IF EXISTS cell_summary;
DROP VIEW IF EXISTS run_phases;
DROP VIEW IF EXISTS cell_trend;
DROP VIEW IF EXISTS run_warnings;
DROP VIEW IF EXISTS cold_vs_warm;
DROP VIEW IF EXISTS run_hosts;

-- One row per run: the cell's parameters, each phase in ms, the latency statistics.
-- A plain join of stored rows: selecting one experiment reads only its rows.
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
       r.process_start_ms,
       r.library_load_ms,
       r.runtime_init_ms,
       r.model_load_ms,
       r.first_inference_ms,
       r.warmup_ms,
       r.timed_loop_ms,
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
       r.involuntary_ctx_switches,
       c.cpu_quota_percent,
       c.memory_bytes,
       r.worker_pid,
       r.cgroup_path,
       r.effective_cpu_quota_percent AS effective_quota_percent,  -- the name before 011, kept for old queries
       r.effective_memory_limit_bytes,
       r.nr_throttled,
       r.throttled_ms,
       r.memory_peak_bytes AS peak_memory_bytes,  -- charged to the run's cgroup, page cache it read first included
       r.oom_kills,
       r.limits_mismatch,
       c.cache_policy,
       r.cache_action,
       r.model_resident_pct,
       r.libtorch_resident_pct,
       r.warnings,
       r.worker_uid,
       r.rusage_source,
       c.device,
       r.device_latency_mean_ms,  -- by CUDA events on the device; NULL on the CPU
       r.device_latency_p50_ms,
       r.device_latency_p99_ms,
       r.fs_read_kib,
       r.device_name,
       r.concurrent_orchestrators,
       -- added by 011
       r.effective_cpu_quota_percent,  -- as the worker read it inside
       r.outside_cpu_quota_percent,    -- as the orchestrator read it from the run's cgroup
       r.outside_cpus,
       r.outside_memory_limit_bytes,
       c.program,
       c.model_path,
       c.input_shape,
       c.iterations,
       c.warmup_iterations,
       -- added by 012: spawn to the end of the first inference
       r.cold_start_ms,
       -- added by 013
       c.settings_hash,
       -- added by 015: when the run executed within its experiment (1, 2, ...)
       r.sequence,
       -- added by 016: what other work did on the run's CPUs while it ran
       r.others_cpu_share,
       r.steal_share,
       r.cpu_pressure_share,
       r.runnable_others,
       -- added by 017: its samples far from its median; whether its p50 is far from its
       -- cell's (NULL until the cell's statistics are stored)
       r.outlier_iterations,
       (SELECT ',' || s.outlier_runs || ',' LIKE '%,' || r.run_index || ',%' FROM cell_statistics s
         WHERE s.cell_id = r.cell_id) AS outlier_run,
       -- added by 021: the node it ran on: the Slurm node that ran it, or its experiment's
       -- host when measured there (NULL for a run a Slurm job did not finish)
       COALESCE((SELECT h.hostname FROM hosts h WHERE h.id = r.host_id),
                (SELECT e.hostname FROM experiments e WHERE e.id = c.experiment_id AND e.slurm_split IS NULL)) AS node,
       r.slurm_job_id,
       c.replica
FROM runs r
JOIN cells c ON c.id = r.cell_id;

-- One row per cell: its settings, and the statistics the orchestrator stored when the
-- cell's runs were done (cell_statistics): medians across its measured (non-warm-up)
-- ok runs. `runs` and `runs_ok` count the stored runs now, so a cell being measured
-- shows its progress before its statistics appear.
CREATE VIEW cell_summary AS
SELECT c.experiment_id,
       c.cell_index,
       c.label AS cell,
       c.launcher,
       c.cpuset,
       c.env_json AS env,
       (SELECT COUNT(*) FROM runs r WHERE r.cell_id = c.id AND r.is_warmup = 0) AS runs,
       (SELECT COUNT(*) FROM runs r WHERE r.cell_id = c.id AND r.is_warmup = 0 AND r.status = 'ok') AS runs_ok,
       s.intra_op_threads,
       s.inter_op_threads,
       s.effective_cpus,
       s.library_load_ms    AS library_load_ms,
       s.model_load_ms      AS model_load_ms,
       s.first_inference_ms AS first_inference_ms,
       s.latency_mean_ms    AS latency_mean_ms,
       s.latency_p50_ms     AS latency_p50_ms,
       s.latency_p99_ms     AS latency_p99_ms,
       -- limits asked for, limits in effect, what they cost
       c.cpu_quota_percent,
       c.memory_bytes,
       s.effective_cpu_quota_percent AS effective_quota_percent,  -- the name before 011, kept for old queries
       s.effective_memory_limit_bytes,
       s.limit_mismatches,
       s.throttled_ms AS throttled_ms,
       s.peak_memory_bytes,
       s.max_rss_kib,
       s.involuntary_ctx_switches,
       s.failures,
       -- cache policy and trust warnings (codes: see README)
       c.cache_policy,
       s.warnings,
       s.latency_p50_ci_low_ms AS latency_p50_ci_low_ms,
       s.latency_p50_ci_high_ms AS latency_p50_ci_high_ms,
       s.run_to_run_cv AS run_to_run_cv,
       c.device,
       s.device_latency_p50_ms AS device_latency_p50_ms,  -- CUDA events; NULL on the CPU
       s.device_name,
       -- added by 011
       s.effective_cpu_quota_percent,
       c.program,
       c.model_path,
       c.input_shape,
       c.iterations,
       c.warmup_iterations,
       -- added by 012: the confidence of [latency_p50_ci_low_ms, latency_p50_ci_high_ms]
       s.latency_p50_ci_confidence,
       s.cold_start_ms AS cold_start_ms,
       s.process_start_ms AS process_start_ms,
       s.runtime_init_ms AS runtime_init_ms,
       c.id AS cell_id,
       -- added by 013: the cell's identity across experiments (its settings, hashed)
       c.settings_hash,
       -- added by 017: the run_index of each measured ok run whose p50 is an outlier
       s.outlier_runs,
       -- added by 018: why it is slow or noisy, citing its counters
       s.attribution,
       -- added by 019: runs: auto -- why the cell stopped (target, max-runs, time), and how
       -- far the ends of its p50's interval are from it, in percent of it
       c.stop_reason,
       CASE WHEN s.latency_p50_ci_confidence >= 0.95 AND s.latency_p50_ms > 0
            THEN 100.0 * MAX(s.latency_p50_ms - s.latency_p50_ci_low_ms, s.latency_p50_ci_high_ms - s.latency_p50_ms)
                 / s.latency_p50_ms END AS precision_percent,
       -- and where its variance comes from: of the variance of one run's mean, the share
       -- that is run to run (Kalibera and Jones), with both components in ms^2
       s.between_runs_share,
       s.variance_within_ms2,
       s.variance_between_ms2,
       -- iterations: auto: each run's timed iterations from min_iterations up to
       -- iterations, until its p50 is within +-iterations_target_percent (NULL: fixed)
       c.min_iterations,
       c.iterations_target_percent,
       -- added by 021: the nodes its measured ok runs ran on (comma-separated), and with
       -- --slurm-split replicas the copy of the matrix it belongs to
       (SELECT GROUP_CONCAT(node, ',') FROM
          (SELECT DISTINCT COALESCE(h.hostname, CASE WHEN e.slurm_split IS NULL THEN e.hostname END) AS node
           FROM runs r JOIN experiments e ON e.id = c.experiment_id LEFT JOIN hosts h ON h.id = r.host_id
           WHERE r.cell_id = c.id AND r.is_warmup = 0 AND r.status = 'ok' ORDER BY node)) AS node,
       c.replica
FROM cells c
LEFT JOIN cell_statistics s ON s.cell_id = c.id;

-- One row per cell per experiment, for following the same settings across nights:
-- filter on settings_hash (and name, hostname) and order by experiment_id.
CREATE VIEW cell_trend AS
SELECT c.settings_hash,
       e.id AS experiment_id,
       e.name,
       e.hostname,
       e.started_at,
       e.matrix_hash,
       c.label AS cell,
       s.runs_ok,
       s.latency_p50_ms,
       s.latency_p50_ci_low_ms,
       s.latency_p50_ci_high_ms,
       s.latency_p50_ci_confidence,
       s.latency_p99_ms,
       s.cold_start_ms,
       s.warnings
FROM cells c
JOIN experiments e ON e.id = c.experiment_id
JOIN cell_statistics s ON s.cell_id = c.id;

-- One row per warning code: of a run (level 'run', with its run_id; outlier-run for
-- each run its cell names) or of a cell as a whole (level 'cell': first-run-slow,
-- few-runs). Codes: see README, Warnings.
CREATE VIEW run_warnings AS
SELECT 'run' AS level,
       c.experiment_id,
       c.cell_index,
       c.label AS cell,
       r.id AS run_id,
       r.run_index,
       r.is_warmup,
       code.value AS code
FROM runs r
JOIN cells c ON c.id = r.cell_id,
     json_each('["' || REPLACE(r.warnings, ',', '","') || '"]') AS code
WHERE r.warnings IS NOT NULL AND r.warnings <> ''
UNION ALL
SELECT 'cell', c.experiment_id, c.cell_index, c.label, NULL, NULL, NULL, code.value
FROM cells c
JOIN cell_statistics s ON s.cell_id = c.id,
     json_each('["' || REPLACE(s.warnings, ',', '","') || '"]') AS code
WHERE s.warnings IS NOT NULL AND s.warnings <> ''
  AND code.value IN ('first-run-slow', 'few-runs')
UNION ALL
-- outlier-run is the cell's verdict on some of its runs (cell_statistics.outlier_runs):
-- one row for each run it names.
SELECT 'run', c.experiment_id, c.cell_index, c.label, r.id, r.run_index, r.is_warmup, 'outlier-run'
FROM runs r
JOIN cells c ON c.id = r.cell_id
JOIN cell_statistics s ON s.cell_id = c.id
WHERE s.outlier_runs IS NOT NULL AND s.outlier_runs <> '' AND r.is_warmup = 0 AND r.status = 'ok'
  AND ',' || s.outlier_runs || ',' LIKE '%,' || r.run_index || ',%';

-- Every run's cold start next to what its cache policy did: `cold` is 1 for drop and
-- evict, 0 for none and warm N. Major faults, bytes read from storage and page-cache
-- residency say whether a cold policy really made the run cold.
CREATE VIEW cold_vs_warm AS
SELECT c.experiment_id,
       c.cell_index,
       c.label AS cell,
       c.settings_hash,
       c.cache_policy,
       CASE WHEN c.cache_policy IN ('drop', 'evict') THEN 1 ELSE 0 END AS cold,
       r.id AS run_id,
       r.run_index,
       r.is_warmup,
       r.status,
       r.cache_action,
       r.cold_start_ms,
       r.library_load_ms,
       r.model_load_ms,
       r.first_inference_ms,
       r.major_faults,
       r.fs_read_kib,
       r.model_resident_pct,
       r.libtorch_resident_pct
FROM runs r
JOIN cells c ON c.id = r.cell_id;

-- One row per run: the facts of the machine it ran on -- its experiment's host, or
-- the Slurm node that ran it (hosts); NULL for a run a Slurm job did not finish.
-- mixed-hosts compares these.
CREATE VIEW run_hosts AS
SELECT r.id AS run_id,
       c.experiment_id,
       c.id AS cell_id,
       c.cell_index,
       c.label AS cell,
       r.run_index,
       r.is_warmup,
       r.status,
       r.slurm_job_id,
       CASE WHEN r.host_id IS NOT NULL THEN h.hostname WHEN e.slurm_split IS NULL THEN e.hostname END AS hostname,
       CASE WHEN r.host_id IS NOT NULL THEN h.cpu_model WHEN e.slurm_split IS NULL THEN e.cpu_model END AS cpu_model,
       CASE WHEN r.host_id IS NOT NULL THEN h.kernel WHEN e.slurm_split IS NULL THEN e.kernel END AS kernel,
       CASE WHEN r.host_id IS NOT NULL THEN h.governor WHEN e.slurm_split IS NULL THEN COALESCE(e.governor, '') END AS governor,
       CASE WHEN r.host_id IS NOT NULL THEN h.smt WHEN e.slurm_split IS NULL THEN COALESCE(e.smt, '') END AS smt,
       CASE WHEN r.host_id IS NOT NULL THEN h.memory_mib WHEN e.slurm_split IS NULL THEN e.memory_mib END AS memory_mib
FROM runs r
JOIN cells c ON c.id = r.cell_id
JOIN experiments e ON e.id = c.experiment_id
LEFT JOIN hosts h ON h.id = r.host_id;
