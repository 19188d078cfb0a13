/**
 * The offline store's tables (see store.ts for why they look as they do): one SQLite file for every account's
 * generations, outputs, workspaces, pending workspace changes, sync cursors and the output cache's bookkeeping.
 */
export const ROW_KEY_SLOTS = 1024;

export const SCHEMA_VERSION = 1;

/**
 * Prompt search: one FTS5 table per account (so a search never filters other accounts' rows out, and removing an
 * account drops its table). Contentless (the prompt lives in the row's JSON) with deletes; `detail=column` because the
 * search only ANDs terms (no phrases or NEAR), which keeps the index small and merges fast; prefix indexes for 1-5
 * characters make the prefix queries of typing cheap. `meta` holds a token per tool, model and status (see
 * search-query.ts), so a filtered search is answered inside the index.
 */
export const textTableSchema = (name: string) => `CREATE VIRTUAL TABLE IF NOT EXISTS ${name} USING fts5(
  prompt, meta,
  content = '', contentless_delete = 1, detail = column,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '1 2 3 4 5'
)`;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS accounts (
  account_id TEXT PRIMARY KEY,
  sync_cursor TEXT,
  last_synced_at TEXT,
  time_zone TEXT,
  text_table TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS generations (
  row_key INTEGER PRIMARY KEY,
  account_id TEXT NOT NULL,
  id TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  tool TEXT NOT NULL,
  model_id TEXT NOT NULL,
  status TEXT NOT NULL,
  cost_credits INTEGER NOT NULL,
  cost_generations INTEGER NOT NULL,
  refunded INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  pinned INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS generations_by_id ON generations (account_id, id);
-- The grid's one index: newest first, with the filter and cost columns in it, so a filtered page and the usage sums
-- are read from the index alone. (One covering index rather than one per filter: every sync upsert pays for each
-- index, and totals come from generation_counts; a rare filter's page costs a longer index scan, still well under a
-- millisecond per 10,000 entries.)
CREATE INDEX IF NOT EXISTS generations_live ON generations (account_id, row_key, tool, model_id, status, refunded, cost_credits, cost_generations) WHERE deleted = 0;
CREATE INDEX IF NOT EXISTS generations_pinned ON generations (account_id) WHERE pinned = 1;

-- How many live generations each (tool, model, status) has per account: the grid's totals for those filters without
-- counting index entries (100,000 of them would take milliseconds on every new filter).
CREATE TABLE IF NOT EXISTS generation_counts (
  account_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  model_id TEXT NOT NULL,
  status TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (account_id, tool, model_id, status)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS outputs (
  account_id TEXT NOT NULL,
  output_id TEXT NOT NULL,
  generation_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  mime TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (account_id, output_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS outputs_by_generation ON outputs (account_id, generation_id);

CREATE TABLE IF NOT EXISTS cache_entries (
  account_id TEXT NOT NULL,
  output_id TEXT NOT NULL,
  state TEXT NOT NULL,
  path TEXT NOT NULL,
  bytes INTEGER NOT NULL DEFAULT 0,
  sha256 TEXT NOT NULL,
  verified_size INTEGER,
  verified_mtime_ms REAL,
  verified_ctime_ms REAL,
  thumb_path TEXT,
  thumb_bytes INTEGER NOT NULL DEFAULT 0,
  last_viewed_at INTEGER NOT NULL DEFAULT 0,
  queued_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, output_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cache_lru ON cache_entries (state, last_viewed_at);
CREATE INDEX IF NOT EXISTS cache_queue ON cache_entries (state, account_id, queued_at);

CREATE TABLE IF NOT EXISTS workspaces (
  account_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  on_server INTEGER NOT NULL,
  create_key TEXT,
  PRIMARY KEY (account_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS workspace_items (
  account_id TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  generation_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  -- the generation's row key once it is in the store (a workspace may name one the sync has not brought yet)
  row_key INTEGER,
  PRIMARY KEY (account_id, workspace_id, generation_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS workspace_items_by_generation ON workspace_items (account_id, generation_id);
CREATE INDEX IF NOT EXISTS workspace_items_by_row ON workspace_items (account_id, workspace_id, row_key);

CREATE TABLE IF NOT EXISTS workspace_aliases (
  account_id TEXT NOT NULL,
  alias TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  PRIMARY KEY (account_id, alias)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS pending_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL,
  op TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  generation_id TEXT,
  name TEXT,
  queued_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_by_account ON pending_changes (account_id, seq);
`;
