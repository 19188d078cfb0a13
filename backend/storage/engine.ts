/**
 * The two databases the backend runs on, node:sqlite in a data folder or a PostgreSQL server, and what differs between
 * them, as one strategy chosen when the database opens (storage/engines.ts). Code above storage never asks which
 * engine it runs on: it calls these.
 *
 * Concurrency: every transaction that changes an account's balances, history or sync log first locks that account's
 * row. On PostgreSQL that is `SELECT ... FOR UPDATE`: two backend processes charging one account queue on the lock,
 * each sees the other's committed balance, and the per-account change sequence is handed out in commit order (so
 * /v1/sync never skips a change). Row locks were chosen over SERIALIZABLE retries because charges contend on one hot row
 * per account: retries would spin under exactly the load (many parallel charges of one account) where correctness
 * matters most. On SQLite one process owns the file and Kysely runs one transaction at a time on its single
 * connection, which is the same guarantee.
 */
import type { EntryInput, Paying } from './ledger.js';
import type { AccountRow, Change, ChangeKind, RecordedWrite, Tx } from './tx.js';

export type Engine = 'sqlite' | 'postgres';

export interface StorageEngine {
  readonly name: Engine;
  /** Whether one process owns the database (SQLite's file); several backend processes may share PostgreSQL. */
  readonly exclusive: boolean;
  /** Locks the account for the rest of the transaction. */
  lockAccount(trx: Tx, accountId: string): Promise<void>;
  /** Locks the account if nobody holds its lock now; false when it is held. */
  tryLockAccount(trx: Tx, accountId: string): Promise<boolean>;
  /** Locks the account and reads its row in the same statement; undefined when there is no such account. */
  lockedAccount(trx: Tx, accountId: string): Promise<AccountRow | undefined>;
  /** Serialises claims of queued work across every process on the database, for the rest of the transaction. */
  lockDispatch(trx: Tx): Promise<void>;
  /** Posts ledger entries, with what they pay for when given (storage/ledger.ts `postEntries`); each balance after. */
  post(trx: Tx, accountId: string, entries: EntryInput[], paying?: Paying): Promise<number[]>;
  /** Posts one entry; its balance after. */
  postEntry(trx: Tx, accountId: string, entry: EntryInput): Promise<number>;
  /** Records that entities changed, for /v1/sync (none this transaction already recorded). */
  recordChanges(trx: Tx, accountId: string, changes: Change[]): Promise<void>;
  recordChange(trx: Tx, accountId: string, kind: ChangeKind, entityId: string, op: Change['op']): Promise<void>;
  /** Writes changes that `freshChanges` returned. */
  writeChanges(trx: Tx, accountId: string, fresh: Change[]): Promise<void>;
  /** Runs a recorded write (storage/tx.ts `recordedWrite`): the row it changed, or undefined (then nothing recorded). */
  recordedWrite<V extends object, R>(
    write: RecordedWrite<V, R>,
    trx: Tx,
    values: V,
    accountId: string,
    changes: Change[],
  ): Promise<R | undefined>;
}
