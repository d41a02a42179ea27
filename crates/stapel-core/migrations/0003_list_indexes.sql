-- A skill filter matches a label, a code or a URL; each has its own index, so the filter is
-- driven by the skills table rather than by a scan of every credential.
CREATE INDEX skills_code ON skills (code);

-- The list's two orders, as indexes whose columns are exactly the ORDER BY terms after the
-- "top level only" condition: the first page is read off the index, not sorted from all rows.
CREATE INDEX credentials_by_date ON credentials
    (parent_id, issued IS NULL, issued DESC, title COLLATE NOCASE, id);
CREATE INDEX credentials_by_title ON credentials
    (parent_id, title COLLATE NOCASE, issued DESC, id);
