-- A skill filter matches a label, a code or a URL; each has its own index, so the filter is
-- driven by the skills table rather than by a scan of every credential.
CREATE INDEX skills_code ON skills (code);
