-- Intervals labelled with the confidence they really have (issue 11): a cell's p50
-- interval is now the distribution-free order-statistic interval of the median of its
-- runs' p50s, and its confidence is stored beside it (0.75 for 3 runs, >= 0.95 from 6).
-- The old rows held a percentile bootstrap labelled 95% whatever the run count: they
-- are dropped, and the next `run` computes every cell's row again from its runs.
ALTER TABLE cell_statistics ADD COLUMN latency_p50_ci_confidence REAL;
DELETE FROM cell_statistics;

-- The total cold start of a run: from the spawn to the end of the first inference,
-- on the spawn's clock (NULL when the worker timed from its own main()). Computed by
-- the orchestrator (measure/run_record.cpp); old runs get it from their phases here.
ALTER TABLE runs ADD COLUMN cold_start_ms REAL;
UPDATE runs SET cold_start_ms = (
  SELECT p.start_ms + p.duration_ms FROM phases p WHERE p.run_id = runs.id AND p.name = 'first_inference')
WHERE EXISTS (SELECT 1 FROM phases p WHERE p.run_id = runs.id AND p.name = 'process_start');
-- Medians of the phases cell_summary lacked, and of the total cold start.
ALTER TABLE cell_statistics ADD COLUMN process_start_ms REAL;
ALTER TABLE cell_statistics ADD COLUMN runtime_init_ms REAL;
ALTER TABLE cell_statistics ADD COLUMN cold_start_ms REAL;
