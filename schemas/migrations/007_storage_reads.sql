-- Schema v7: what a run read from storage, page-ins of mapped libraries included
-- (rusage ru_inblock, from the same source as the other rusage columns). With
-- major_faults and the residency columns it says why a cold start was cold: a
-- model file is read(), not mapped, so only this column shows it coming from disk.

ALTER TABLE runs ADD COLUMN fs_read_kib INTEGER;
