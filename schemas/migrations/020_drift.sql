-- The machine's drift over an experiment (issue 13, orchestrator/measure/drift.h):
-- with `calibration: true` the calibration kernel (a fixed matrix product on one
-- thread) is timed before the first run, between rounds of runs and after the last.
CREATE TABLE calibrations (
  id             INTEGER PRIMARY KEY,
  experiment_id  INTEGER NOT NULL REFERENCES experiments(id),
  after_sequence INTEGER NOT NULL,  -- runs.sequence of the run just before it; 0: before the first
  taken_at       TEXT NOT NULL,
  kernel_ms      REAL NOT NULL      -- the mean of the kernel's timed steps (its window over their count)
);
CREATE INDEX calibrations_by_experiment ON calibrations(experiment_id, id);
ALTER TABLE experiments ADD COLUMN calibration INTEGER;  -- 1: the matrix asked for it
ALTER TABLE experiments ADD COLUMN drift_share REAL;     -- (slowest - fastest) / fastest of its calibrations
