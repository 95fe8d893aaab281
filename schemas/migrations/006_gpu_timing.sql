-- Schema v6: GPU timing. On a CUDA device each timed iteration has two times: the
-- host's monotonic clock around a forward pass that ends synchronised with the device
-- (samples.latency_ms, seed 004 method 2), and the device's own, from two CUDA events
-- recorded around it (samples.device_ms, method 3). On the CPU device_ms is NULL.

ALTER TABLE samples ADD COLUMN device_ms REAL;

-- over the run's device_ms samples, as latency_* is over its latency_ms samples
ALTER TABLE runs ADD COLUMN device_latency_n INTEGER;
ALTER TABLE runs ADD COLUMN device_latency_mean_ms REAL;
ALTER TABLE runs ADD COLUMN device_latency_stddev_ms REAL;
ALTER TABLE runs ADD COLUMN device_latency_cv REAL;
ALTER TABLE runs ADD COLUMN device_latency_min_ms REAL;
ALTER TABLE runs ADD COLUMN device_latency_p50_ms REAL;
ALTER TABLE runs ADD COLUMN device_latency_p90_ms REAL;
ALTER TABLE runs ADD COLUMN device_latency_p99_ms REAL;
ALTER TABLE runs ADD COLUMN device_latency_max_ms REAL;
