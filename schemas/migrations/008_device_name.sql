-- Schema v8: on a GPU, which one the worker ran on and the driver, as the worker
-- found them (e.g. "NVIDIA H100 80GB HBM3, driver 12.4"); NULL on the CPU.

ALTER TABLE runs ADD COLUMN device_name TEXT;
