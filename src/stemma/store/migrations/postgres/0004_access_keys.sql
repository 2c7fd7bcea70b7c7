-- Access keys, secrets sealed under a master key kept outside the database. Looked up by key id
-- before the account is known, so this table leads with the key id.

CREATE TABLE access_keys (
    access_key_id TEXT COLLATE "C" PRIMARY KEY,
    account       TEXT COLLATE "C" NOT NULL,
    secret        BYTEA   NOT NULL,
    is_root       INTEGER NOT NULL,
    created_ms    BIGINT  NOT NULL
);

CREATE INDEX access_keys_by_account ON access_keys (account, access_key_id);
