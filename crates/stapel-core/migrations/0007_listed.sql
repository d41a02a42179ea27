-- A credential the learner brought in on its own is listed on its own, even when a CLR in the
-- wallet also carries it (issue 16). `listed` is 1 for every credential imported at the top,
-- whatever else contains it; a part that only arrived inside a CLR is 0 and shows under it.
ALTER TABLE credentials ADD COLUMN listed INTEGER NOT NULL DEFAULT 0 CHECK (listed IN (0, 1));
UPDATE credentials SET listed = 1 WHERE parent_id IS NULL;
CREATE INDEX credentials_listed ON credentials (listed);
