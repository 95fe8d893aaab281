-- Outliers (issue 13): iterations of a run far from its median, and runs of a cell
-- whose p50 is far from the cell's, both by the modified Z-score over the MAD
-- (orchestrator/measure/statistics.h). Outliers are kept and counted in every median
-- and interval; these say where they are.
ALTER TABLE runs ADD COLUMN outlier_iterations INTEGER;  -- of the timed loop's samples
ALTER TABLE cell_statistics ADD COLUMN outlier_runs TEXT;  -- run_index values, "2,5"; '' when none
