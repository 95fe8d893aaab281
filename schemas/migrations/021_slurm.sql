-- Scale-out on Slurm (issue 14, orchestrator/slurm/): an experiment's runs spread over
-- Slurm jobs, each running an orchestrator on its node into a DB of its own, which
-- the submitting orchestrator ingests into this one as the job ends.

-- The machines runs were measured on. A run with host_id NULL ran on its
-- experiment's host (the experiments columns); an ingested run names its node here.
CREATE TABLE hosts (
  id               INTEGER PRIMARY KEY,
  hostname         TEXT NOT NULL,
  cpu_model        TEXT NOT NULL,
  kernel           TEXT NOT NULL,
  governor         TEXT NOT NULL,  -- '' when the node has no cpufreq
  smt              TEXT NOT NULL,  -- e.g. '2 threads per core'; '' when unknown
  memory_mib       INTEGER NOT NULL,
  UNIQUE (hostname, cpu_model, kernel, governor, smt, memory_mib)
);
ALTER TABLE experiments ADD COLUMN memory_mib INTEGER;  -- MemTotal of the experiment's host
ALTER TABLE experiments ADD COLUMN slurm_split TEXT;    -- cells | replicas; NULL: run on its host
ALTER TABLE cells ADD COLUMN replica INTEGER;           -- --slurm-split replicas: 0-based copy of the matrix
ALTER TABLE runs ADD COLUMN host_id INTEGER;          -- hosts.id; NULL: the experiment's host
ALTER TABLE runs ADD COLUMN slurm_job_id INTEGER;       -- the Slurm job that measured it

-- One row per Slurm job of an experiment: the runs it was given, where it writes them,
-- and once it ended, what Slurm said about it and what was collected.
CREATE TABLE slurm_jobs (
  id             INTEGER PRIMARY KEY,
  experiment_id  INTEGER NOT NULL REFERENCES experiments(id),
  replica        INTEGER,           -- --slurm-split replicas: the matrix copy it measures
  share          TEXT NOT NULL,     -- its runs, as `run --slurm-share` reads them
  job_db         TEXT NOT NULL,     -- the job's own results DB, in the shared folder
  submitted_at   TEXT NOT NULL,
  job_id         INTEGER,           -- Slurm's; NULL until sbatch answered
  node           TEXT,
  state          TEXT,              -- Slurm's final JobState (COMPLETED, FAILED, CANCELLED, TIMEOUT, ...)
  exit_code      TEXT,              -- Slurm's ExitCode, status:signal
  state_source   TEXT,              -- sacct | scontrol | jobcomp: where the state was read
  collected_at   TEXT,              -- NULL: not collected yet
  runs_collected INTEGER
);
CREATE INDEX slurm_jobs_by_experiment ON slurm_jobs(experiment_id);
