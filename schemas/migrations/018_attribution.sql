-- Why a cell is slow or noisy, one line citing its stored counters (issue 13,
-- orchestrator/measure/attribution.h): "throttled 41% of its run time (quota 100% with
-- 2 intra-op threads); cold: 468 MiB read from storage, 326 major faults".
ALTER TABLE cell_statistics ADD COLUMN attribution TEXT;  -- NULL: no counter past its threshold
