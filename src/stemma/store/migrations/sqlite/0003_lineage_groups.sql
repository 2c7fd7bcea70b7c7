-- The default lineage group, created with the first entity of an (account, region) (D23).

CREATE TABLE lineage_groups (
    account    TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

-- Scopes that already hold entities get their group, dated by their first entity.
INSERT INTO lineage_groups (account, region, name, created_ms)
    SELECT account, region, 'sagemaker-default-lineage-group', MIN(created_ms)
    FROM entities GROUP BY account, region;
