-- Associations: directed edges identified by their two ends (D32: deleted with either end).

CREATE TABLE associations (
    account          TEXT COLLATE "C" NOT NULL,
    region           TEXT COLLATE "C" NOT NULL,
    src_kind         TEXT COLLATE "C" NOT NULL,
    src_id           TEXT COLLATE "C" NOT NULL,
    dst_kind         TEXT COLLATE "C" NOT NULL,
    dst_id           TEXT COLLATE "C" NOT NULL,
    association_type TEXT COLLATE "C",
    created_ms       BIGINT NOT NULL,
    PRIMARY KEY (account, region, src_kind, src_id, dst_kind, dst_id)
);

CREATE INDEX associations_by_destination
    ON associations (account, region, dst_kind, dst_id, src_kind, src_id);
CREATE INDEX associations_by_created
    ON associations (account, region, created_ms, src_kind, src_id, dst_kind, dst_id);
