/**
 * U7 fair use: unlimited use is for one person by hand. Automation (too many requests, or an inhumanly regular rhythm)
 * and credential sharing (too many clients, or too many sessions at once) pause the account's unlimited access (credits
 * keep working) pending review. The user may appeal once per pause; a reviewer restores access or upholds the pause; a
 * second upheld violation suspends the account permanently. Every decision is an audit entry with its reason.
 *
 * States of an account, as this module moves it:
 * - active --suspicion or reviewer flag--> unlimited_paused, with an open flag (the pause, pending review);
 * - open flag --appeal (once)--> open appeal --restore--> active (the flag is resolved 'restored');
 * - open appeal --uphold--> the flag is resolved 'upheld' and unlimited access stays paused (no end date: the pause
 *   stands). A new suspicion can still be flagged while an upheld pause stands (a reviewer's flag, typically), which
 *   opens a new, appealable pause; if that one is upheld too, it is the second confirmed violation;
 * - the second upheld flag --> suspended. Suspension is terminal: nothing pauses, appeals or restores it any more
 *   (there is no open pause left to appeal, appealing answers 403 account_suspended, and a restore never lifts it).
 *
 * Every state change runs in one transaction that first locks the account row (tx.ts). Request times for the automation
 * checks are kept in memory per process (a bounded ring per account); client sightings are stored, so credential
 * sharing is seen across restarts and across backend processes.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { z } from 'zod';
import type { AccountStatus as AccountStatusSchema, Appeal, FairUse as FairUseSchema } from '../../shared/api.js';
import { newId } from '../storage/ids.js';
import type { Clock } from '../clock.js';
import type { StorageEngine } from '../storage/engine.js';
import { decodeCursorOf, encodeCursor } from '../cursor.js';
import { ApiProblem, notFound } from '../problem.js';
import type { Tx } from '../storage/tx.js';
import type { AuditActor, FairUseTables, FlagSource } from '../storage/fair-use-schema.js';
import {
  automationSuspicion,
  clientSharingSuspicion,
  parseFairUseConfig,
  streamSharingSuspicion,
  type FairUseConfig,
  type FairUseConfigInput,
} from './fair-use-rules.js';

export type AccountStatus = z.infer<typeof AccountStatusSchema>;
export type FairUseView = z.infer<typeof FairUseSchema>;

/** The tables this module reads and writes: its own, and the account's status. */
export type FairUseDB = FairUseTables & { accounts: { id: string; status: string } };
export type FairUseTx = Transaction<FairUseDB>;

// ---- the service ---------------------------------------------------------------------------------------------------
export interface FairUseState {
  status: AccountStatus;
  /** Why unlimited access is paused (the current pause's reason); null while active. */
  reason: string | null;
  /** True when this very call paused unlimited access (so the caller knows an `account` event is due). */
  pausedNow: boolean;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: AuditActor;
  action: 'unlimited_paused' | 'appealed' | 'unlimited_restored' | 'pause_upheld' | 'account_suspended';
  reason: string;
}

export interface FairUseOptions {
  db: Kysely<FairUseDB>;
  storage: StorageEngine;
  clock: Clock;
  config?: FairUseConfigInput;
}

/** Hears of an account's status change once the transaction that made it has committed. */
export type StatusListener = (accountId: string, status: AccountStatus) => void | Promise<void>;

type StatusChanges = Map<string, AccountStatus>;
type Executor = Kysely<FairUseDB>;

export class FairUse {
  readonly config: FairUseConfig;
  readonly #db: Kysely<FairUseDB>;
  readonly #storage: StorageEngine;
  readonly #clock: Clock;
  #onStatusChange: StatusListener | undefined;
  /** Recent unlimited-request times per account (epoch ms, oldest first), at most `#ringSize` each. */
  readonly #recent = new Map<string, number[]>();
  readonly #ringSize: number;

  constructor(options: FairUseOptions) {
    this.config = parseFairUseConfig(options.config);
    this.#db = options.db;
    this.#storage = options.storage;
    this.#clock = options.clock;
    this.#ringSize = Math.max(
      this.config.automation.maxRequestsPerWindow + 1,
      this.config.automation.regularIntervalCount,
    );
  }

  /**
   * Called after a transaction of this module that changed an account's status has committed (to publish an `account`
   * event). Not called for work done inside a caller's transaction: there `FairUseState.pausedNow` says so instead.
   */
  onStatusChange(listener: StatusListener): void {
    this.#onStatusChange = listener;
  }

  /**
   * Call for every request that would use unlimited access, before it does: a request that trips a check is the first
   * one refused (`status` comes back `unlimited_paused`). `clientKey` is any stable, opaque name of the client (a device
   * id, or a hash of address and user agent). Pass `trx` when already inside a transaction (on SQLite a second one
   * would wait for the first forever); the caller then publishes the change itself when `pausedNow`.
   */
  async observeUnlimitedRequest(
    accountId: string,
    observation: { clientKey: string; at?: Date },
    trx?: Transaction<FairUseDB>,
  ): Promise<FairUseState> {
    const at = observation.at ?? this.#clock.now();
    return this.#write(
      accountId,
      async (tx, changes) => {
        const status = await this.#status(tx, accountId);
        if (status !== 'active') return this.#state(tx, accountId, status);
        // A restore clears the slate: what was seen before it was reviewed and found fine.
        const since = await this.#lastRestoredAt(tx, accountId);
        const times = this.#recordRequest(accountId, at.getTime(), since);
        const clients = await this.#recordClient(tx, accountId, observation.clientKey, at, since);
        const reason =
          automationSuspicion(times, this.config.automation) ?? clientSharingSuspicion(clients, this.config.sharing);
        if (!reason) return { status, reason: null, pausedNow: false };
        await this.#pause(tx, accountId, status, reason, 'automatic', changes);
        return { status: 'unlimited_paused', reason, pausedNow: true };
      },
      trx,
    );
  }

  /** Call whenever the number of the account's open event streams changes: too many at once is credential sharing. */
  async observeStreams(accountId: string, openStreams: number): Promise<FairUseState> {
    const reason = streamSharingSuspicion(openStreams, this.config.sharing);
    if (!reason) return this.#state(this.#db, accountId, await this.#status(this.#db, accountId));
    return this.pause(accountId, reason, 'automatic');
  }

  /** Pauses unlimited access unless a pause is already pending review or the account is suspended (then nothing). */
  async pause(accountId: string, reason: string, source: FlagSource): Promise<FairUseState> {
    return this.#write(accountId, async (tx, changes) => {
      const status = await this.#status(tx, accountId);
      if (status === 'suspended' || (await this.#openFlag(tx, accountId))) return this.#state(tx, accountId, status);
      await this.#pause(tx, accountId, status, reason, source, changes);
      return { status: 'unlimited_paused', reason, pausedNow: true };
    });
  }

  /** POST /v1/admin/accounts/:id/flags: a reviewer pauses unlimited access for a stated reason. */
  async flagByReviewer(accountId: string, reason: string): Promise<FairUseView> {
    await this.pause(accountId, reason, 'reviewer');
    return this.fairUseView(accountId);
  }

  /** POST /v1/me/appeals: the user's one appeal of the current pause. */
  async appeal(accountId: string, message: string): Promise<Appeal> {
    return this.#write(accountId, async (tx) => {
      const status = await this.#status(tx, accountId);
      if (status === 'suspended') {
        throw new ApiProblem(
          403,
          'account_suspended',
          'This account is suspended permanently after a second confirmed fair-use violation; there is nothing left to appeal',
        );
      }
      const flag = status === 'unlimited_paused' ? await this.#currentFlag(tx, accountId) : undefined;
      if (!flag) throw new ApiProblem(409, 'invalid_request', 'There is no paused unlimited access to appeal');
      const earlier = await tx
        .selectFrom('fair_use_appeals')
        .select('id')
        .where('flag_id', '=', flag.id)
        .executeTakeFirst();
      if (earlier) throw new ApiProblem(409, 'invalid_request', 'This pause has already been appealed');
      const id = newId('apl');
      await tx
        .insertInto('fair_use_appeals')
        .values({
          id,
          account_id: accountId,
          flag_id: flag.id,
          message,
          status: 'open',
          created_at: this.#now(),
          decided_at: null,
          decision_reason: null,
        })
        .execute();
      await this.#audit(tx, accountId, 'user', 'appealed', message);
      return this.#appealView(tx, id);
    });
  }

  /** GET /v1/admin/appeals: oldest first (a review queue), optionally only those with `status`. */
  async listAppeals(
    query: { status?: Appeal['status'] | undefined; limit?: number | undefined; cursor?: string | undefined } = {},
  ): Promise<{ items: Appeal[]; nextCursor: string | null }> {
    const limit = query.limit ?? 100;
    let q = this.#appealRows(this.#db);
    if (query.status) q = q.where('a.status', '=', query.status);
    if (query.cursor) {
      const [createdAt, id] = decodeCursorOf(query.cursor, ['string', 'string'] as const);
      q = q.where((eb) =>
        eb.or([eb('a.created_at', '>', createdAt), eb.and([eb('a.created_at', '=', createdAt), eb('a.id', '>', id)])]),
      );
    }
    const rows = await q
      .orderBy('a.created_at')
      .orderBy('a.id')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toAppeal),
      nextCursor: rows.length > limit && last ? encodeCursor([last.created_at, last.id]) : null,
    };
  }

  /**
   * POST /v1/admin/appeals/:id/decision. Restore: unlimited access returns (unless the account is suspended). Uphold:
   * the pause stands, and the account's second upheld violation suspends it permanently.
   */
  async decide(appealId: string, decision: { decision: 'restore' | 'uphold'; reason: string }): Promise<Appeal> {
    const found = await this.#db
      .selectFrom('fair_use_appeals')
      .select('account_id')
      .where('id', '=', appealId)
      .executeTakeFirst();
    if (!found) throw notFound('Appeal');
    const accountId = found.account_id;
    return this.#write(accountId, async (tx, changes) => {
      const appeal = await tx
        .selectFrom('fair_use_appeals')
        .select(['status', 'flag_id'])
        .where('id', '=', appealId)
        .executeTakeFirstOrThrow();
      if (appeal.status !== 'open')
        throw new ApiProblem(409, 'invalid_request', `This appeal was already decided (${appeal.status})`);
      const now = this.#now();
      const outcome = decision.decision === 'restore' ? 'restored' : 'upheld';
      await tx
        .updateTable('fair_use_appeals')
        .set({ status: outcome, decided_at: now, decision_reason: decision.reason })
        .where('id', '=', appealId)
        .execute();
      await tx
        .updateTable('fair_use_flags')
        .set({ resolved_at: now, resolution: outcome })
        .where('id', '=', appeal.flag_id)
        .execute();
      const status = await this.#status(tx, accountId);

      if (outcome === 'restored') {
        await this.#audit(tx, accountId, 'reviewer', 'unlimited_restored', decision.reason);
        if (status === 'unlimited_paused') await this.#setStatus(tx, accountId, 'active', changes);
        this.#recent.delete(accountId);
      } else {
        await this.#audit(tx, accountId, 'reviewer', 'pause_upheld', decision.reason);
        const violations = await this.#violations(tx, accountId);
        if (violations >= 2 && status !== 'suspended') {
          await this.#setStatus(tx, accountId, 'suspended', changes);
          await this.#audit(
            tx,
            accountId,
            'system',
            'account_suspended',
            `U7: a second confirmed fair-use violation (${violations} upheld) suspends the account permanently`,
          );
        }
      }
      return this.#appealView(tx, appealId);
    });
  }

  /** The `fairUse` part of GET /v1/me: the current pause (if any), its appeal, and the count of upheld violations. */
  async fairUseView(accountId: string, executor: Executor = this.#db): Promise<FairUseView> {
    const status = await this.#status(executor, accountId);
    const violations = await this.#violations(executor, accountId);
    const flag = status === 'active' ? undefined : await this.#currentFlag(executor, accountId);
    if (!flag) return { pausedAt: null, reason: null, appeal: null, violations };
    const appeal = await executor
      .selectFrom('fair_use_appeals')
      .select(['id', 'status', 'message', 'created_at'])
      .where('flag_id', '=', flag.id)
      .executeTakeFirst();
    return {
      pausedAt: flag.created_at,
      reason: flag.reason,
      appeal: appeal
        ? { id: appeal.id, status: appeal.status, message: appeal.message, createdAt: appeal.created_at }
        : null,
      violations,
    };
  }

  /** Every fair-use decision about the account, oldest first. */
  async audit(accountId: string, executor: Executor = this.#db): Promise<AuditEntry[]> {
    const rows = await executor
      .selectFrom('audit_entries')
      .select(['id', 'at', 'actor', 'action', 'reason'])
      .where('account_id', '=', accountId)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({ ...r, action: r.action as AuditEntry['action'] }));
  }

  // ---- inside a transaction -----------------------------------------------------------------------------------------

  /** Runs `work` with the account locked, in `outer` or in a transaction of its own (then reports status changes). */
  async #write<T>(
    accountId: string,
    work: (tx: FairUseTx, changes: StatusChanges) => Promise<T>,
    outer?: FairUseTx,
  ): Promise<T> {
    const changes: StatusChanges = new Map();
    const locked = async (tx: FairUseTx) => {
      // lockAccount only runs SQL on the accounts table, which FairUseDB shares with DB.
      await this.#storage.lockAccount(tx as unknown as Tx, accountId);
      return work(tx, changes);
    };
    if (outer) return locked(outer);
    const result = await this.#db.transaction().execute(locked);
    for (const [id, status] of changes) await this.#onStatusChange?.(id, status);
    return result;
  }

  async #pause(
    tx: FairUseTx,
    accountId: string,
    status: AccountStatus,
    reason: string,
    source: FlagSource,
    changes: StatusChanges,
  ): Promise<void> {
    const seq = await this.#nextSeq(tx, 'fair_use_flags', accountId);
    await tx
      .insertInto('fair_use_flags')
      .values({
        id: newId('flag'),
        account_id: accountId,
        seq,
        reason,
        source,
        created_at: this.#now(),
        resolved_at: null,
        resolution: null,
      })
      .execute();
    if (status !== 'unlimited_paused') await this.#setStatus(tx, accountId, 'unlimited_paused', changes);
    await this.#audit(tx, accountId, source === 'reviewer' ? 'reviewer' : 'system', 'unlimited_paused', reason);
  }

  async #setStatus(tx: FairUseTx, accountId: string, status: AccountStatus, changes: StatusChanges): Promise<void> {
    await tx.updateTable('accounts').set({ status }).where('id', '=', accountId).execute();
    changes.set(accountId, status);
  }

  async #audit(
    tx: FairUseTx,
    accountId: string,
    actor: AuditActor,
    action: AuditEntry['action'],
    reason: string,
  ): Promise<void> {
    const seq = await this.#nextSeq(tx, 'audit_entries', accountId);
    await tx
      .insertInto('audit_entries')
      .values({ id: newId('aud'), account_id: accountId, seq, at: this.#now(), actor, action, reason })
      .execute();
  }

  /** The account's next number in `table`; safe because the account row is locked. */
  async #nextSeq(tx: FairUseTx, table: 'fair_use_flags' | 'audit_entries', accountId: string): Promise<number> {
    const row = await tx
      .selectFrom(table)
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(row?.seq ?? 0) + 1;
  }

  /** Remembers the request time and returns the account's recent times since `since` (the last restore), oldest first. */
  #recordRequest(accountId: string, atMs: number, since: number | null): number[] {
    const previous = this.#recent.get(accountId) ?? [];
    // A clock moved backwards (a test clock set to an earlier time) starts the rhythm afresh.
    const kept =
      previous.at(-1) !== undefined && previous.at(-1)! > atMs
        ? []
        : previous.filter((t) => since === null || t >= since);
    const times = [...kept, atMs].slice(-this.#ringSize);
    this.#recent.set(accountId, times);
    return times;
  }

  /** Stores the client sighting; returns how many different clients used the account within the sharing window. */
  async #recordClient(
    tx: FairUseTx,
    accountId: string,
    clientKey: string,
    at: Date,
    since: number | null,
  ): Promise<number> {
    const atIso = at.toISOString();
    await tx
      .insertInto('client_sightings')
      .values({ account_id: accountId, client_key: clientKey, first_seen_at: atIso, last_seen_at: atIso })
      .onConflict((oc) => oc.columns(['account_id', 'client_key']).doUpdateSet({ last_seen_at: atIso }))
      .execute();
    const from = Math.max(at.getTime() - this.config.sharing.windowS * 1000, since ?? 0);
    const row = await tx
      .selectFrom('client_sightings')
      .select((eb) => eb.fn.countAll().as('clients'))
      .where('account_id', '=', accountId)
      .where('last_seen_at', '>=', new Date(from).toISOString())
      .executeTakeFirstOrThrow();
    return Number(row.clients);
  }

  // ---- reads ---------------------------------------------------------------------------------------------------------

  async #status(executor: Executor, accountId: string): Promise<AccountStatus> {
    const row = await executor.selectFrom('accounts').select('status').where('id', '=', accountId).executeTakeFirst();
    if (!row) throw notFound('Account');
    return row.status as AccountStatus;
  }

  async #state(executor: Executor, accountId: string, status: AccountStatus): Promise<FairUseState> {
    const flag = status === 'active' ? undefined : await this.#currentFlag(executor, accountId);
    return { status, reason: flag?.reason ?? null, pausedNow: false };
  }

  async #openFlag(executor: Executor, accountId: string) {
    return executor
      .selectFrom('fair_use_flags')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('resolved_at', 'is', null)
      .executeTakeFirst();
  }

  /** The pause the account is under: the one pending review, or else the latest (an upheld pause stands). */
  async #currentFlag(executor: Executor, accountId: string) {
    return executor
      .selectFrom('fair_use_flags')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy(sql`resolved_at is null`, 'desc')
      .orderBy('seq', 'desc')
      .executeTakeFirst();
  }

  async #violations(executor: Executor, accountId: string): Promise<number> {
    const row = await executor
      .selectFrom('fair_use_flags')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('account_id', '=', accountId)
      .where('resolution', '=', 'upheld')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async #lastRestoredAt(executor: Executor, accountId: string): Promise<number | null> {
    const row = await executor
      .selectFrom('fair_use_flags')
      .select((eb) => eb.fn.max('resolved_at').as('at'))
      .where('account_id', '=', accountId)
      .where('resolution', '=', 'restored')
      .executeTakeFirst();
    return row?.at ? Date.parse(row.at) : null;
  }

  #appealRows(executor: Executor) {
    return executor
      .selectFrom('fair_use_appeals as a')
      .innerJoin('fair_use_flags as f', 'f.id', 'a.flag_id')
      .select([
        'a.id',
        'a.account_id',
        'a.message',
        'a.status',
        'a.created_at',
        'a.decided_at',
        'a.decision_reason',
        'f.reason as pause_reason',
      ]);
  }

  async #appealView(executor: Executor, appealId: string): Promise<Appeal> {
    return toAppeal(await this.#appealRows(executor).where('a.id', '=', appealId).executeTakeFirstOrThrow());
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }
}

function toAppeal(row: {
  id: string;
  account_id: string;
  message: string;
  status: Appeal['status'];
  created_at: string;
  decided_at: string | null;
  decision_reason: string | null;
  pause_reason: string;
}): Appeal {
  return {
    id: row.id,
    accountId: row.account_id,
    message: row.message,
    status: row.status,
    pauseReason: row.pause_reason,
    createdAt: row.created_at,
    ...(row.decided_at ? { decidedAt: row.decided_at } : {}),
    ...(row.decision_reason ? { decisionReason: row.decision_reason } : {}),
  };
}

// Same cursor format as the other pages (http/routes/generations.ts): base64url JSON of the sort key.
