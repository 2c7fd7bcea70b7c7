-- Access keys. The secret is stored encrypted with a master key kept outside the database, so
-- the database alone never yields a usable credential. Keys are looked up by id before the
-- account is known, so this table leads with the key id rather than (account, region).

CREATE TABLE access_keys (
    access_key_id TEXT    PRIMARY KEY,
    account       TEXT    NOT NULL,
    secret        BLOB    NOT NULL,
    is_root       INTEGER NOT NULL,
    created_ms    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX access_keys_by_account ON access_keys (account, access_key_id);
