-- The default lineage group, created with the first entity of an (account, region) (D23).

CREATE TABLE lineage_groups (
    account    TEXT COLLATE "C" NOT NULL,
    region     TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (account, region, name)
);

INSERT INTO lineage_groups (account, region, name, created_ms)
    SELECT account, region, 'sagemaker-default-lineage-group', MIN(created_ms)
    FROM entities GROUP BY account, region;
