-- PostgreSQL refuses a B-tree index row over about 2.7 KB (a third of a page), and compresses a
-- key only when it can: a model-valid SourceUri (2,048 characters, up to 8 KB in UTF-8) made the
-- insert fail, so a valid create was answered 503 and retried forever (#20). The index now holds
-- the first 256 characters (1 KB at most) of the URI; queries compare that prefix, to seek this
-- index, and the full value, for the exact match (store/sql/base.py SOURCE_KEY). Every other
-- indexed column is bounded by the model well under the limit: names and ids 120 ASCII
-- characters, ContextType/ActionType/ArtifactType 256 characters (1 KB), tag keys 128 (512 B).
-- 0006 belongs to another branch; the loader orders by number, so the gap is harmless.

DROP INDEX entities_by_source;

CREATE INDEX entities_by_source
    ON entities (account, region, kind, (substr(source_uri, 1, 256)), created_ms, id);
