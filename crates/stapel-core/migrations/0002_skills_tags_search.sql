-- Skills, tags and full-text search, filled from the normalized view of the credentials
-- already stored.

CREATE TABLE skills (
    credential_id TEXT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    framework     TEXT,
    code          TEXT,
    url           TEXT,
    label         TEXT NOT NULL,
    PRIMARY KEY (credential_id, seq)
);
CREATE INDEX skills_label ON skills (label COLLATE NOCASE);
CREATE INDEX skills_framework_code ON skills (framework, code);
CREATE INDEX skills_url ON skills (url);

CREATE TABLE tags (
    credential_id TEXT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    tag           TEXT NOT NULL,
    PRIMARY KEY (credential_id, tag)
);
CREATE INDEX tags_tag ON tags (tag COLLATE NOCASE);

-- Derived data, rebuilt by the store whenever a credential is written; never backed up.
-- Every table whose name starts with `fts_` is such an index.
CREATE VIRTUAL TABLE fts_credentials USING fts5 (
    credential_id UNINDEXED,
    title,
    issuer,
    description,
    skills,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO skills (credential_id, seq, framework, code, url, label)
SELECT c.id, s.key + 1,
       json_extract(s.value, '$.framework'),
       json_extract(s.value, '$.code'),
       json_extract(s.value, '$.url'),
       coalesce(json_extract(s.value, '$.label'), '')
FROM credentials AS c, json_each(c.view_json, '$.skills') AS s;

INSERT OR IGNORE INTO tags (credential_id, tag)
SELECT c.id, t.value
FROM credentials AS c, json_each(c.view_json, '$.tags') AS t
WHERE t.type = 'text';

INSERT INTO fts_credentials (credential_id, title, issuer, description, skills)
SELECT c.id, c.title,
       coalesce(c.issuer_name, '') || ' ' || coalesce(c.issuer_id, ''),
       coalesce(c.description, ''),
       coalesce((SELECT group_concat(coalesce(s.framework, '') || ' ' || coalesce(s.code, '') || ' ' || s.label, ' ')
                 FROM skills AS s WHERE s.credential_id = c.id), '')
       || ' ' ||
       coalesce((SELECT group_concat(t.tag, ' ') FROM tags AS t WHERE t.credential_id = c.id), '')
FROM credentials AS c;
