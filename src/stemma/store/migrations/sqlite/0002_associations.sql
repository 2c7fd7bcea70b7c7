-- Associations: directed edges between entities, identified by their two ends (they have no
-- ARN). Both ends exist whenever an edge does: deleting an entity deletes its edges in the same
-- transaction (D32).

CREATE TABLE associations (
    account          TEXT    NOT NULL,
    region           TEXT    NOT NULL,
    src_kind         TEXT    NOT NULL,
    src_id           TEXT    NOT NULL,
    dst_kind         TEXT    NOT NULL,
    dst_id           TEXT    NOT NULL,
    association_type TEXT,
    created_ms       INTEGER NOT NULL,
    PRIMARY KEY (account, region, src_kind, src_id, dst_kind, dst_id)
) WITHOUT ROWID;

-- The primary key serves walks forwards and SourceArn filters; this one walks backwards.
CREATE INDEX associations_by_destination
    ON associations (account, region, dst_kind, dst_id, src_kind, src_id);
CREATE INDEX associations_by_created
    ON associations (account, region, created_ms, src_kind, src_id, dst_kind, dst_id);
