-- The stable user interface of the results DB: its views. Column names never change;
-- new columns are appended. Unlike the tables (schemas/migrations/), the views are
-- defined here once, in their latest form: whenever a migration ran, the
-- orchestrator drops and recreates them in the same transaction.

DROP VIEW IF EXISTS cell_summary;
DROP VIEW IF EXISTS run_phases;

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
       r.involuntary_ctx_switches,
       c.cpu_quota_percent,
       c.memory_bytes,
       r.worker_pid,
       r.cgroup_path,
       r.effective_quota_percent,
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
       r.concurrent_orchestrators
FROM runs r
JOIN cells c ON c.id = r.cell_id
LEFT JOIN phases p ON p.run_id = r.id
GROUP BY r.id;

-- One row per cell: medians across its measured (non-warm-up) ok runs.
CREATE VIEW cell_summary AS
WITH measured AS (
  SELECT * FROM run_phases WHERE is_warmup = 0 AND status = 'ok'
), ranked AS (
  -- Per metric: its rank among the cell's non-NULL values, and how many there are.
  SELECT cell_id,
         library_load_ms, COUNT(library_load_ms) OVER w AS library_load_ms_n,
         ROW_NUMBER() OVER (PARTITION BY cell_id, library_load_ms IS NULL ORDER BY library_load_ms) AS library_load_ms_rank,
         model_load_ms, COUNT(model_load_ms) OVER w AS model_load_ms_n,
         ROW_NUMBER() OVER (PARTITION BY cell_id, model_load_ms IS NULL ORDER BY model_load_ms) AS model_load_ms_rank,
         first_inference_ms, COUNT(first_inference_ms) OVER w AS first_inference_ms_n,
         ROW_NUMBER() OVER (PARTITION BY cell_id, first_inference_ms IS NULL ORDER BY first_inference_ms) AS first_inference_ms_rank,
         latency_mean_ms, COUNT(latency_mean_ms) OVER w AS latency_mean_ms_n,
         ROW_NUMBER() OVER (PARTITION BY cell_id, latency_mean_ms IS NULL ORDER BY latency_mean_ms) AS latency_mean_ms_rank,
         latency_p50_ms, COUNT(latency_p50_ms) OVER w AS latency_p50_ms_n,
         ROW_NUMBER() OVER (PARTITION BY cell_id, latency_p50_ms IS NULL ORDER BY latency_p50_ms) AS latency_p50_ms_rank,
         latency_p99_ms, COUNT(latency_p99_ms) OVER w AS latency_p99_ms_n,
         ROW_NUMBER() OVER (PARTITION BY cell_id, latency_p99_ms IS NULL ORDER BY latency_p99_ms) AS latency_p99_ms_rank,
         throttled_ms, COUNT(throttled_ms) OVER w AS throttled_ms_n,
         ROW_NUMBER() OVER (PARTITION BY cell_id, throttled_ms IS NULL ORDER BY throttled_ms) AS throttled_ms_rank,
         peak_memory_bytes, COUNT(peak_memory_bytes) OVER w AS peak_memory_bytes_n,
         ROW_NUMBER() OVER (PARTITION BY cell_id, peak_memory_bytes IS NULL ORDER BY peak_memory_bytes) AS peak_memory_bytes_rank,
         max_rss_kib, COUNT(max_rss_kib) OVER w AS max_rss_kib_n,
         ROW_NUMBER() OVER (PARTITION BY cell_id, max_rss_kib IS NULL ORDER BY max_rss_kib) AS max_rss_kib_rank,
         involuntary_ctx_switches, COUNT(involuntary_ctx_switches) OVER w AS involuntary_ctx_switches_n,
         ROW_NUMBER() OVER (PARTITION BY cell_id, involuntary_ctx_switches IS NULL ORDER BY involuntary_ctx_switches) AS involuntary_ctx_switches_rank,
         device_latency_p50_ms, COUNT(device_latency_p50_ms) OVER w AS device_latency_p50_ms_n,
         ROW_NUMBER() OVER (PARTITION BY cell_id, device_latency_p50_ms IS NULL ORDER BY device_latency_p50_ms) AS device_latency_p50_ms_rank
  FROM measured
  WINDOW w AS (PARTITION BY cell_id)
), medians AS (
  -- the middle value, or the mean of the two middle values; NULLs do not count
  SELECT cell_id,
         AVG(CASE WHEN library_load_ms IS NOT NULL AND library_load_ms_rank IN ((library_load_ms_n + 1) / 2, (library_load_ms_n + 2) / 2) THEN library_load_ms END) AS library_load_ms,
         AVG(CASE WHEN model_load_ms IS NOT NULL AND model_load_ms_rank IN ((model_load_ms_n + 1) / 2, (model_load_ms_n + 2) / 2) THEN model_load_ms END) AS model_load_ms,
         AVG(CASE WHEN first_inference_ms IS NOT NULL AND first_inference_ms_rank IN ((first_inference_ms_n + 1) / 2, (first_inference_ms_n + 2) / 2) THEN first_inference_ms END) AS first_inference_ms,
         AVG(CASE WHEN latency_mean_ms IS NOT NULL AND latency_mean_ms_rank IN ((latency_mean_ms_n + 1) / 2, (latency_mean_ms_n + 2) / 2) THEN latency_mean_ms END) AS latency_mean_ms,
         AVG(CASE WHEN latency_p50_ms IS NOT NULL AND latency_p50_ms_rank IN ((latency_p50_ms_n + 1) / 2, (latency_p50_ms_n + 2) / 2) THEN latency_p50_ms END) AS latency_p50_ms,
         AVG(CASE WHEN latency_p99_ms IS NOT NULL AND latency_p99_ms_rank IN ((latency_p99_ms_n + 1) / 2, (latency_p99_ms_n + 2) / 2) THEN latency_p99_ms END) AS latency_p99_ms,
         AVG(CASE WHEN throttled_ms IS NOT NULL AND throttled_ms_rank IN ((throttled_ms_n + 1) / 2, (throttled_ms_n + 2) / 2) THEN throttled_ms END) AS throttled_ms,
         AVG(CASE WHEN peak_memory_bytes IS NOT NULL AND peak_memory_bytes_rank IN ((peak_memory_bytes_n + 1) / 2, (peak_memory_bytes_n + 2) / 2) THEN peak_memory_bytes END) AS peak_memory_bytes,
         AVG(CASE WHEN max_rss_kib IS NOT NULL AND max_rss_kib_rank IN ((max_rss_kib_n + 1) / 2, (max_rss_kib_n + 2) / 2) THEN max_rss_kib END) AS max_rss_kib,
         AVG(CASE WHEN involuntary_ctx_switches IS NOT NULL AND involuntary_ctx_switches_rank IN ((involuntary_ctx_switches_n + 1) / 2, (involuntary_ctx_switches_n + 2) / 2) THEN involuntary_ctx_switches END) AS involuntary_ctx_switches,
         AVG(CASE WHEN device_latency_p50_ms IS NOT NULL AND device_latency_p50_ms_rank IN ((device_latency_p50_ms_n + 1) / 2, (device_latency_p50_ms_n + 2) / 2) THEN device_latency_p50_ms END) AS device_latency_p50_ms
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
       ROUND(m.latency_p99_ms, 3)     AS latency_p99_ms,
       -- limits asked for, limits in effect, what they cost
       c.cpu_quota_percent,
       c.memory_bytes,
       (SELECT GROUP_CONCAT(DISTINCT r.effective_quota_percent) FROM runs r
         WHERE r.cell_id = c.id AND r.is_warmup = 0) AS effective_quota_percent,
       (SELECT GROUP_CONCAT(DISTINCT r.effective_memory_limit_bytes) FROM runs r
         WHERE r.cell_id = c.id AND r.is_warmup = 0) AS effective_memory_limit_bytes,
       (SELECT COUNT(*) FROM runs r WHERE r.cell_id = c.id AND r.is_warmup = 0
           AND r.limits_mismatch IS NOT NULL) AS limit_mismatches,
       ROUND(m.throttled_ms, 3) AS throttled_ms,
       CAST(m.peak_memory_bytes AS INTEGER) AS peak_memory_bytes,
       CAST(m.max_rss_kib AS INTEGER) AS max_rss_kib,
       CAST(m.involuntary_ctx_switches AS INTEGER) AS involuntary_ctx_switches,
       (SELECT GROUP_CONCAT(DISTINCT r.status) FROM runs r
         WHERE r.cell_id = c.id AND r.is_warmup = 0 AND r.status <> 'ok') AS failures,
       -- cache policy and trust warnings (codes: see README)
       c.cache_policy,
       (SELECT GROUP_CONCAT(code) FROM (
          SELECT DISTINCT value AS code FROM runs r, json_each('["' || REPLACE(r.warnings, ',', '","') || '"]')
           WHERE r.cell_id = c.id AND r.is_warmup = 0 AND r.warnings IS NOT NULL AND r.warnings <> ''
          UNION
          SELECT value FROM json_each('["' || REPLACE(c.warnings, ',', '","') || '"]')
           WHERE c.warnings IS NOT NULL AND c.warnings <> '')) AS warnings,
       ROUND(c.latency_p50_ci_low_ms, 3) AS latency_p50_ci_low_ms,
       ROUND(c.latency_p50_ci_high_ms, 3) AS latency_p50_ci_high_ms,
       ROUND(c.run_to_run_cv, 4) AS run_to_run_cv,
       c.device,
       ROUND(m.device_latency_p50_ms, 3) AS device_latency_p50_ms,  -- CUDA events; NULL on the CPU
       (SELECT GROUP_CONCAT(DISTINCT r.device_name) FROM runs r
         WHERE r.cell_id = c.id AND r.is_warmup = 0) AS device_name
FROM cells c
LEFT JOIN medians m ON m.cell_id = c.id;
