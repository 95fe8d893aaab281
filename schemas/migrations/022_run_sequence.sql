-- runs.sequence (issue 24): every finished run lost its number, since storing a run
-- replaced its row without the column. It is the order the runs executed in within
-- their experiment: numbered again here from when each started (its id on a tie).
UPDATE runs SET sequence = numbered.position
  FROM (SELECT r.id, ROW_NUMBER() OVER (PARTITION BY c.experiment_id ORDER BY r.started_at, r.id) AS position
          FROM runs r JOIN cells c ON c.id = r.cell_id) AS numbered
 WHERE numbered.id = runs.id;
