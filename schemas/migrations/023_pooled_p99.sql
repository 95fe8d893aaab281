-- The cell's tail (issue 24): cell_statistics.latency_p99_ms becomes the 99th
-- percentile over every timed iteration of the cell's measured ok runs, not the
-- median of the runs' p99s (runs.latency_p99_ms keeps each run's own). Statistics are
-- computed by the orchestrator, not in SQL: the rows go, and the writer that ran this
-- migration stores every cell's row anew as it opens the DB (ResultStore).
DELETE FROM cell_statistics;
