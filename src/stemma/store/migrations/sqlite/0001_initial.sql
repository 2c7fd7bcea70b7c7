-- Entities, tags and quota usage. Every table leads with (account, region): no query crosses
-- tenants, and the layout can be sharded by account later.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- Contexts, actions and artifacts. id is the ARN's resource part: the lowercased name for
-- contexts and actions (so uniqueness is case-insensitive), the source digest for artifacts.
CREATE TABLE entities (
    account     TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    name        TEXT,
    entity_type TEXT    NOT NULL,
    source_uri  TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, kind, id)
) WITHOUT ROWID;

-- One index per list order and filter, each ending in id so keyset pages seek, never scan.
CREATE INDEX entities_by_created ON entities (account, region, kind, created_ms, id);
CREATE INDEX entities_by_name    ON entities (account, region, kind, name, id);
CREATE INDEX entities_by_type    ON entities (account, region, kind, entity_type, created_ms, id);
CREATE INDEX entities_by_source  ON entities (account, region, kind, source_uri, created_ms, id);

-- Tags keep insertion order through position; an overwrite keeps the key's position.
CREATE TABLE tags (
    account  TEXT    NOT NULL,
    region   TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    id       TEXT    NOT NULL,
    key      TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (account, region, kind, id, key)
) WITHOUT ROWID;

CREATE UNIQUE INDEX tags_by_position ON tags (account, region, kind, id, position);

-- Entities counted against quotas, kept in step with entities inside each write transaction,
-- so a quota check never counts rows.
CREATE TABLE usage (
    account TEXT    NOT NULL,
    region  TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    used    INTEGER NOT NULL,
    PRIMARY KEY (account, region, kind)
) WITHOUT ROWID;
