-- Schema v5: where a run's rusage columns come from. 'wait4': the supervisor's
-- wait4() on the process it started, covering the worker's whole tree and lifetime.
-- 'worker': the worker's own getrusage(RUSAGE_SELF) just before it wrote its report,
-- used when the process waited for is not the worker (docker's client). CPU times and
-- context switches of the two are close but not the same measure.

ALTER TABLE runs ADD COLUMN rusage_source TEXT;
