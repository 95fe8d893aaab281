-- Schema v3: nightly operation. A run is stored as 'running' when it starts and
-- completed in one transaction when it ends, so a run left 'running' by an
-- orchestrator that died is found and marked 'aborted' at the next start; an
-- experiment is identified by its matrix's content hash for `run --resume`; workers
-- may run as another user.

ALTER TABLE experiments ADD COLUMN orchestrator_pid INTEGER;
ALTER TABLE experiments ADD COLUMN matrix_hash TEXT;   -- FNV-1a 64 of the matrix file's text

ALTER TABLE runs ADD COLUMN worker_uid INTEGER;        -- the user the worker ran as (worker.user)

CREATE INDEX experiments_by_matrix ON experiments(matrix_hash, status);
