-- Interference per run (issue 13, orchestrator/measure/interference.h): what other work
-- did on the run's CPUs while it ran, read from /proc at its start and end.
ALTER TABLE runs ADD COLUMN others_cpu_share REAL;    -- of the run's CPUs' time, used by other processes
ALTER TABLE runs ADD COLUMN steal_share REAL;         -- of the run's CPUs' time, stolen by the hypervisor
ALTER TABLE runs ADD COLUMN cpu_pressure_share REAL;  -- of the wall time some task waited for a CPU (PSI, host-wide)
ALTER TABLE runs ADD COLUMN runnable_others REAL;     -- other runnable tasks (mean of start and end)
