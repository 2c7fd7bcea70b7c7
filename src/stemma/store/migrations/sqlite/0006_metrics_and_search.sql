-- Metrics of trial components (sagemaker-metrics) and what Search filters and sorts on.
--
-- A metric series is one (trial component, metric name). It keeps its running summary
-- (count, min, max, mean and m2 by Welford's method; the last point by (timestamp, step,
-- arrival); the latest timestamp), updated in the transaction that stores its points, so
-- DescribeTrialComponent and Search never aggregate points. Its row is locked while points are
-- added, so concurrent writers keep it exact.
CREATE TABLE metric_series (
    series_id  INTEGER PRIMARY KEY,
    account    TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    tc_id      TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    count      INTEGER NOT NULL,
    min        REAL    NOT NULL,
    max        REAL    NOT NULL,
    mean       REAL    NOT NULL,
    m2         REAL    NOT NULL,
    last       REAL    NOT NULL,
    last_ts_ms INTEGER NOT NULL,
    last_step  INTEGER NOT NULL,  -- -1 when the last point had no step
    max_ts_ms  INTEGER NOT NULL
);

CREATE UNIQUE INDEX metric_series_by_component ON metric_series (account, region, tc_id, name);
-- Search sorts and filters on a metric's statistics: one index per common statistic.
CREATE INDEX metric_series_by_last ON metric_series (account, region, name, last, tc_id);
CREATE INDEX metric_series_by_max  ON metric_series (account, region, name, max, tc_id);
CREATE INDEX metric_series_by_min  ON metric_series (account, region, name, min, tc_id);
CREATE INDEX metric_series_by_mean ON metric_series (account, region, name, mean, tc_id);

-- The points, compactly: the series, the arrival sequence within it, the time and the step.
CREATE TABLE metric_points (
    series_id INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    ts_ms     INTEGER NOT NULL,
    step      INTEGER,
    value     REAL    NOT NULL,
    PRIMARY KEY (series_id, seq)
) WITHOUT ROWID;

-- Searchable attributes of an entity, flattened from its body by the service that owns it
-- (a trial component's "Parameters.lr", "Status.PrimaryStatus", ...): a number or a text.
CREATE TABLE entity_attrs (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    attr    TEXT NOT NULL,
    num     REAL,
    txt     TEXT,
    txt_key TEXT,  -- the first 100 characters of txt: what the text index holds
    PRIMARY KEY (account, region, kind, id, attr)
) WITHOUT ROWID;

CREATE INDEX entity_attrs_by_number ON entity_attrs (account, region, kind, attr, num, id);
-- A text value may be 2,500 characters, past PostgreSQL's index-row limit: the index holds
-- a prefix, and lookups compare the prefix, then the whole value.
CREATE INDEX entity_attrs_by_text   ON entity_attrs (account, region, kind, attr, txt_key, id);

-- Search's default order is LastModifiedTime, Descending.
CREATE INDEX entities_by_modified ON entities (account, region, kind, modified_ms, id);
