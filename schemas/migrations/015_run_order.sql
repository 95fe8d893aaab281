-- Run order (issue 13): the order an experiment's runs executed in, and the seed of
-- order: random, so that it can be reproduced (run/run_order.h). Experiments from
-- before ran cell by cell.
ALTER TABLE experiments ADD COLUMN run_order TEXT;    -- sequential | interleaved | random
ALTER TABLE experiments ADD COLUMN order_seed INTEGER;  -- order: random only
ALTER TABLE runs ADD COLUMN sequence INTEGER;         -- 1, 2, ...: when the run executed within its experiment
UPDATE experiments SET run_order = 'sequential';
UPDATE runs SET sequence = numbered.position
  FROM (SELECT r.id, ROW_NUMBER() OVER (PARTITION BY c.experiment_id ORDER BY r.id) AS position
          FROM runs r JOIN cells c ON c.id = r.cell_id) AS numbered
 WHERE numbered.id = runs.id;
