-- Named experiments to compare against (`orchestrator baseline NAME`, then
-- `orchestrator compare --baseline NAME`): a release, a known-good night.
CREATE TABLE baselines (
  name          TEXT PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id),
  named_at      TEXT NOT NULL  -- UTC
);
