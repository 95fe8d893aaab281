-- A cell's identity across experiments: a hash of every setting it stores (the
-- columns the settings table names, matrix/settings.cpp), so that `compare` and
-- cell_trend match cells on what they asked for, not on labels or row ids. Filled by
-- the orchestrator for new cells, and for the cells of older DBs when it opens them.
ALTER TABLE cells ADD COLUMN settings_hash TEXT;
CREATE INDEX cells_by_settings ON cells(settings_hash);
