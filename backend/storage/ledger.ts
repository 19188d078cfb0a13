/**
 * The append-only ledger (C9): a balance changes only together with the entry that explains it, in the caller's
 * transaction, and the entry records the balance after it. One posting path, `postEntries`, for both engines: what
 * differs is how the rows are written (`EntryWriter`: statement by statement on SQLite, one statement on PostgreSQL),
 * and the engine's writer is chosen once, when the database opens (storage/engines.ts).
 */
import { sql, type Insertable, type QueryCreator, type Selectable, type Transaction } from 'kysely';
import type { BalanceName, LedgerEntry } from '../../shared/api.js';
import { prepared, preparedPerShape } from './prepared.js';
import type { DB, GenerationsTable, LedgerEntriesTable } from './schema.js';
import { changeParts, freshChanges, type Change, type ChangeWriter } from './tx.js';

export type LedgerKind = LedgerEntry['kind'];

export interface EntryInput {
  kind: LedgerKind;
  balance: BalanceName;
  /** Signed change: positive for grants, top-ups and refunds, negative for debits and expiries. */
  amount: number;
  reason: string;
  at: Date;
  generationId?: string | undefined;
}

export type Balances = Record<BalanceName, number>;

const balanceRows = prepared((db, v: { accountId: string }) =>
  db.selectFrom('balances').select(['name', 'amount']).where('account_id', '=', v.accountId),
);

/** Every balance of an account, in one statement (a balance never posted to is 0). */
export async function readBalances(trx: Transaction<DB>, accountId: string): Promise<Balances> {
  const rows = await balanceRows.rows(trx, { accountId });
  const balances: Balances = { free: 0, subscription: 0, topup: 0, generations: 0 };
  for (const row of rows) balances[row.name as BalanceName] = Number(row.amount);
  return balances;
}

export async function readBalance(trx: Transaction<DB>, accountId: string, balance: BalanceName): Promise<number> {
  const row = await trx
    .selectFrom('balances')
    .select('amount')
    .where('account_id', '=', accountId)
    .where('name', '=', balance)
    .executeTakeFirst();
  return Number(row?.amount ?? 0);
}

export type EntryRow = Omit<Insertable<LedgerEntriesTable>, 'id' | 'after'>;

/** What a charge's entries pay for, written together with them: the new generation and its changes, not yet written. */
export interface Paying {
  generation: Selectable<GenerationsTable>;
  changes: Change[];
}

/**
 * How an engine writes entries (and what they pay for): each entry's balance moves and the entry records the balance
 * after it. Answers each entry's balance after, or undefined for the first whose balance does not cover it (nothing
 * after it is written then, and the caller throws, rolling the transaction back).
 */
export type EntryWriter = (
  trx: Transaction<DB>,
  accountId: string,
  rows: EntryRow[],
  paying: Paying | undefined,
) => Promise<Array<number | undefined>>;

/** A decrease needs the balance to exist and to cover it (the table's CHECK would refuse the row anyway). */
const decreaseOf = (db: QueryCreator<DB>, v: EntryRow) =>
  db
    .updateTable('balances')
    .set((eb) => ({ amount: eb('amount', '+', v.amount) }))
    .where('account_id', '=', v.account_id)
    .where('name', '=', v.balance)
    .where('amount', '>=', (eb) => eb.neg(eb.cast<number>(eb.val(v.amount), 'bigint')))
    .returning('amount');
const increaseOf = (db: QueryCreator<DB>, v: EntryRow) =>
  db
    .insertInto('balances')
    .values({ account_id: v.account_id, name: v.balance, amount: v.amount })
    .onConflict((oc) =>
      oc
        .columns(['account_id', 'name'])
        .doUpdateSet((eb) => ({ amount: eb('balances.amount', '+', eb.ref('excluded.amount')) })),
    )
    .returning('amount');
const moves = { decrease: decreaseOf, increase: increaseOf };
type Direction = keyof typeof moves;
const directionOf = (row: EntryRow): Direction => (Number(row.amount) < 0 ? 'decrease' : 'increase');

// ---- SQLite: the move, then the entry, statement by statement (each runs in the process, no round trip) ----------
const moved = {
  decrease: prepared((db, v: EntryRow) => decreaseOf(db, v)),
  increase: prepared((db, v: EntryRow) => increaseOf(db, v)),
};
const insertEntry = prepared((db, row: Insertable<LedgerEntriesTable>) => db.insertInto('ledger_entries').values(row));
const insertGeneration = prepared((db, row: Selectable<GenerationsTable>) => db.insertInto('generations').values(row));

/** SQLite's writer: the generation and its changes first, then per entry its move and its row. */
export function entriesInSteps(writeChanges: ChangeWriter): EntryWriter {
  return async (trx, accountId, rows, paying) => {
    if (paying) {
      await insertGeneration.execute(trx, paying.generation);
      await writeChanges(trx, accountId, paying.changes);
    }
    const afters: Array<number | undefined> = [];
    for (const row of rows) {
      const balance = await moved[directionOf(row)].first(trx, row);
      if (!balance) return [...afters, undefined];
      const after = Number(balance.amount);
      await insertEntry.execute(trx, { ...row, after });
      afters.push(after);
    }
    return afters;
  };
}

// ---- PostgreSQL: data-modifying WITH statements, one round trip under the account's lock -------------------------
/**
 * As the part of one statement that follows a move named `move`: the entry, taking the balance after it from the move.
 * A move that changed nothing (a decrease the balance does not cover) leaves no entry either.
 */
function enteredAfter(move: string, v: EntryRow) {
  return sql<{
    after: number;
  }>`insert into ledger_entries (account_id, at, kind, balance, amount, after, generation_id, reason)
    select ${v.account_id}::text, ${v.at}::text, ${v.kind}::text, ${v.balance}::text, ${v.amount}::bigint, ${sql.ref(`${move}.amount`)},
      ${v.generation_id}::text, ${v.reason}::text
    from ${sql.table(move)}
    returning after`;
}

const enteredOf = (direction: Direction) =>
  prepared(
    (db, v: EntryRow) => sql<{ after: number }>`with moved as (${moves[direction](db, v)}) ${enteredAfter('moved', v)}`,
  );
const entered = { decrease: enteredOf('decrease'), increase: enteredOf('increase') };

interface ChargeWriteValues {
  generation: Selectable<GenerationsTable>;
  changes: { accountId: string; changes: Change[] };
  entries: EntryRow[];
}
type ChargeWritten = { changes: number } & Record<`after${number}`, number | null>;

/**
 * A new generation, its changes (/v1/sync) and the ledger entries that pay for it, in one statement: one round trip
 * under the account's lock where separate statements took three. The parts write different rows, so none needs to see
 * another's work but through what it returns. The outer select tells what each part did: how many changes were
 * written, and per entry the balance after it, null when the balance did not cover it. One prepared statement per
 * shape: how many changes, and the direction of each entry.
 */
const chargeWrite = preparedPerShape(
  ({ changes, directions }: { changes: number; directions: Direction[] }) =>
    (db, v: ChargeWriteValues) => {
      const { advanced, changed } = changeParts(db, v.changes, changes);
      const parts = [
        sql`generation as (${db.insertInto('generations').values(v.generation)})`,
        sql`advanced as (${advanced})`,
        sql`changed as (${changed})`,
      ];
      const results = [sql`(select count(*) from changed) as changes`];
      directions.forEach((direction, i) => {
        const entry = v.entries[i]!;
        parts.push(
          sql`${sql.id(`moved${i}`)} as (${moves[direction](db, entry)})`,
          sql`${sql.id(`entered${i}`)} as (${enteredAfter(`moved${i}`, entry)})`,
        );
        results.push(sql`(select after from ${sql.table(`entered${i}`)}) as ${sql.id(`after${i}`)}`);
      });
      return sql<ChargeWritten>`with ${sql.join(parts)} select ${sql.join(results)}`;
    },
  ({ changes, directions }) => `${changes}:${directions.join(',')}`,
);

/** PostgreSQL's writer: each entry in one statement with its move; a charge's entries with what they pay for in one. */
export const entriesInOne: EntryWriter = async (trx, accountId, rows, paying) => {
  if (paying) {
    const values = { generation: paying.generation, changes: { accountId, changes: paying.changes }, entries: rows };
    const written = (await chargeWrite({ changes: paying.changes.length, directions: rows.map(directionOf) }).first(
      trx,
      values,
    ))!;
    if (Number(written.changes) !== paying.changes.length) throw new Error(`Account ${accountId} is missing`);
    return rows.map((_, i) => (written[`after${i}`] === null ? undefined : Number(written[`after${i}`])));
  }
  const afters: Array<number | undefined> = [];
  for (const row of rows) {
    const written = await entered[directionOf(row)].first(trx, row);
    if (!written) return [...afters, undefined];
    afters.push(Number(written.after));
  }
  return afters;
};

// ---- the one posting path ------------------------------------------------------------------------------------------
function entryRow(accountId: string, entry: EntryInput): EntryRow {
  return {
    account_id: accountId,
    at: entry.at.toISOString(),
    kind: entry.kind,
    balance: entry.balance,
    amount: entry.amount,
    generation_id: entry.generationId ?? null,
    reason: entry.reason,
  };
}

/** The error of an entry whose move changed nothing: one that would take its balance below zero. */
async function belowZero(trx: Transaction<DB>, accountId: string, entry: EntryInput): Promise<Error> {
  return new Error(
    `Ledger entry would take ${entry.balance} below zero (${await readBalance(trx, accountId, entry.balance)} + ${entry.amount})`,
  );
}

/** The engine's statements the posting path uses. */
export interface LedgerStatements {
  writeEntries: EntryWriter;
  writeChanges: ChangeWriter;
}

/**
 * Posts entries (with `paying`, together with what they pay for): each balance moves by its entry's `amount` in the
 * statement that reads its new value, each entry records it, and the balance's change is recorded for /v1/sync. An
 * entry that would take a balance below zero throws, and the caller's transaction rolls back with it. Answers each
 * entry's balance after.
 */
export async function postEntries(
  trx: Transaction<DB>,
  engine: LedgerStatements,
  accountId: string,
  entries: EntryInput[],
  paying?: Paying,
): Promise<number[]> {
  const afters = await engine.writeEntries(
    trx,
    accountId,
    entries.map((entry) => entryRow(accountId, entry)),
    paying,
  );
  for (const [i, entry] of entries.entries()) if (afters[i] === undefined) throw await belowZero(trx, accountId, entry);
  // A charge's changes already name the balance; each entry's own record of the balance change then finds it made.
  await engine.writeChanges(
    trx,
    accountId,
    freshChanges(trx, accountId, [{ kind: 'balance', entityId: 'balance', op: 'upsert' }]),
  );
  return afters as number[];
}
