-- Entities, tags and quota usage (PostgreSQL). Every table leads with (account, region): no
-- query crosses tenants, and the schema can be sharded by account (e.g. Citus distributing on
-- account). Text keys use the "C" collation, so order is code-point order (D29), as on SQLite.

CREATE TABLE meta (
    key   TEXT  PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE entities (
    account     TEXT COLLATE "C" NOT NULL,
    region      TEXT COLLATE "C" NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C",
    entity_type TEXT COLLATE "C" NOT NULL,
    source_uri  TEXT COLLATE "C" NOT NULL,
    body        TEXT   NOT NULL,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    PRIMARY KEY (account, region, kind, id)
);

CREATE INDEX entities_by_created ON entities (account, region, kind, created_ms, id);
CREATE INDEX entities_by_name    ON entities (account, region, kind, name, id);
CREATE INDEX entities_by_type    ON entities (account, region, kind, entity_type, created_ms, id);
CREATE INDEX entities_by_source  ON entities (account, region, kind, source_uri, created_ms, id);

CREATE TABLE tags (
    account  TEXT COLLATE "C" NOT NULL,
    region   TEXT COLLATE "C" NOT NULL,
    kind     TEXT COLLATE "C" NOT NULL,
    id       TEXT COLLATE "C" NOT NULL,
    key      TEXT COLLATE "C" NOT NULL,
    value    TEXT    NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (account, region, kind, id, key)
);

CREATE UNIQUE INDEX tags_by_position ON tags (account, region, kind, id, position);

CREATE TABLE usage (
    account TEXT COLLATE "C" NOT NULL,
    region  TEXT COLLATE "C" NOT NULL,
    kind    TEXT COLLATE "C" NOT NULL,
    used    BIGINT NOT NULL,
    PRIMARY KEY (account, region, kind)
);
