/**
 * The durable queues (U3, U4, U5, U8), kept in the generations table itself: a queued generation is a waiting job, a
 * running one is claimed by a worker (its id and heartbeat recorded). Claims are atomic: on PostgreSQL a transaction-
 * scoped advisory lock serializes claims across backend processes (a claim checks the system-wide running count and the
 * account's running unlimited job for U3 again under it), and the claim itself is a conditional update, so no job is run
 * twice; on SQLite one process owns the database.
 *
 * Queue bookkeeping (enqueue stamps, heartbeats, measured wait and run times) uses wall-clock time: it is operations,
 * not policy, and must keep moving while a test clock stands still.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Kysely, QueryCreator } from 'kysely';
import type { Lane, QueueStatus } from '../../shared/api.js';
import type { OperationsConfig } from '../config.js';
import { preparedPerShape } from '../storage/prepared.js';
import type { DB } from '../storage/schema.js';
import type { GenerationRow, Generations } from '../domain/generations.js';
import type { PolicyContext } from '../policy/context.js';
import {
  atSystemLimit,
  dispatchOrder,
  LANES,
  laneSlots,
  pickNext,
  slowdownOn,
  slowedAccounts,
  type LocalLoad,
  type Running,
  type Waiting,
} from '../policy/dispatch.js';
import { recordedWrite } from '../storage/tx.js';

interface ClaimValues {
  id: string;
  /** U8: the system-wide limit of running jobs. */
  limit: number;
  startedAt: string;
  workerId: string;
  heartbeatMs: number;
  waitMs: number;
}

/**
 * Takes a job if it still waits, the system runs fewer than `limit` jobs (U8) and, for an unlimited job, its account
 * runs no other unlimited one (U3): the checks and the claim in one statement, whose reads see every claim committed
 * before the dispatch lock was taken.
 */
const claimJobOf = (db: QueryCreator<DB>, v: ClaimValues) =>
  db
    .updateTable('generations')
    .set((eb) => ({
      status: 'running',
      started_at: v.startedAt,
      worker_id: v.workerId,
      heartbeat_ms: v.heartbeatMs,
      attempts: eb('attempts', '+', 1),
      wait_ms: v.waitMs,
    }))
    .where('id', '=', v.id)
    .where('status', '=', 'queued')
    .where((eb) =>
      eb(
        eb
          .selectFrom('generations as r')
          .select((r) => r.fn.countAll<number>().as('n'))
          .where('r.status', '=', 'running'),
        '<',
        v.limit,
      ),
    )
    .where((eb) =>
      eb.or([
        eb('generations.unlimited', '=', 0),
        eb.not(
          eb.exists(
            eb
              .selectFrom('generations as r')
              .select('r.id')
              .where('r.status', '=', 'running')
              .where('r.unlimited', '=', 1)
              .whereRef('r.account_id', '=', 'generations.account_id'),
          ),
        ),
      ]),
    )
    .returningAll();
/** The claim and the record of its change (one statement on PostgreSQL). */
const claimJob = recordedWrite(claimJobOf);
/** Waiting jobs read per lane for a dispatch decision. */
const CANDIDATES = 200;
/** Waiting jobs read per statement when the whole queue is read. */
const PAGE = 500;
/** Accounts whose recent enqueues one statement counts (U8's slowdown). */
const SLOWDOWN_ACCOUNTS = 100;

/**
 * U8: each account's enqueues since `since`, counted only up to `limit` (one past the threshold), so that a busy
 * account's count never reads every job it queued in the window (hundreds of thousands under a flood). A prepared
 * statement per number of accounts: planned anew at each reading, the union of the accounts' counts was most of what
 * PostgreSQL did while a backlog drained (docs/PERFORMANCE.md#the-queue-and-the-workers).
 */
const recentEnqueues = preparedPerShape(
  (count: number) => (db, v: { since: number; limit: number; accounts: string[] }) => {
    const recent = (accountId: string) =>
      db.selectNoFrom((eb) => [
        eb.cast<string>(eb.val(accountId), 'text').as('account_id'),
        eb
          .selectFrom(
            db
              .selectFrom('generations')
              .select('id')
              .where('account_id', '=', accountId)
              .where('enqueued_us', '>=', v.since)
              .limit(v.limit)
              .as('recent'),
          )
          .select((c) => c.fn.countAll<number>().as('n'))
          .as('n'),
      ]);
    let query = recent(v.accounts[0]!);
    for (let i = 1; i < count; i++) query = query.unionAll(recent(v.accounts[i]!));
    return query;
  },
);
/** How long a reading of the queue may serve further claims (see `JobQueue.#choose`). */
const VIEW_MS = 25;

/** A reading of the queue for dispatch: the running jobs, and the waiting ones in dispatch order. */
interface DispatchView {
  at: number;
  /** Only ever grows while the reading is used: at the system-wide limit when read, no candidates were read. */
  running: Running[];
  candidates: Waiting[];
}

export interface ClaimedJob {
  id: string;
  accountId: string;
  lane: Lane;
  attempts: number;
  unlimited: boolean;
  /** The generation as the claim left it (running, held by this worker). */
  row: GenerationRow;
}

export interface Claim {
  job: ClaimedJob | null;
  /**
   * Whether the claim saw other waiting work it could not take now (a full pool, U3, U5, a Relaxed delay) or did not
   * look (the system-wide limit): only then can a slot that frees up find work without anything new being queued.
   */
  moreWaiting: boolean;
}

export type { LocalLoad } from '../policy/dispatch.js';

export class JobQueue {
  readonly #config: OperationsConfig['queue'];
  #view: DispatchView | null = null;

  /** Claims, heartbeats and reclaims run here; readings of the queue for people (overview, status) on `ctx.db`. */
  readonly #dispatchDb: Kysely<DB>;

  constructor(
    private readonly ctx: PolicyContext,
    private readonly generations: Generations,
    /** The workers' own connections (see `Database.workerDb`); `ctx.db` when not given. */
    dispatchDb?: Kysely<DB>,
  ) {
    this.#config = ctx.config.queue;
    this.#dispatchDb = dispatchDb ?? ctx.db;
  }

  /**
   * The waiting jobs in dispatch order: FIFO by enqueue stamp, with U8's slowdown pushing busy accounts back. Each lane
   * is read apart, along its own index range, so that hundreds of one account's waiting Relaxed jobs can never hide
   * everybody else's work, and a long queue in one lane costs nothing to read another. For dispatch, up to `limit`
   * jobs per lane, leaving out in SQL the unlimited jobs of accounts that already run one (U3).
   */
  private async ordered(
    executor: PolicyContext['db'],
    options: { dispatch: boolean; limit: number },
  ): Promise<Waiting[]> {
    const waiting: Waiting[] = [];
    for (const lane of LANES) waiting.push(...(await this.waitingIn(executor, lane, options)));
    const slowed =
      waiting.length > 0 && slowdownOn(this.#config)
        ? slowedAccounts(await this.recentEnqueuesOf(executor, waiting), this.#config)
        : new Set<string>();
    return dispatchOrder(waiting, slowed, this.#config);
  }

  /** U8's reading: each waiting account's enqueues within the slowdown window, counted up to one past the threshold. */
  private async recentEnqueuesOf(
    executor: PolicyContext['db'],
    waiting: Waiting[],
  ): Promise<Array<{ account_id: string; n: number }>> {
    const { windowS, threshold } = this.#config.slowdown;
    const since = (Date.now() - windowS * 1000) * 1000;
    const accounts = [...new Set(waiting.map((w) => w.account_id))];
    const counts: Array<{ account_id: string; n: number }> = [];
    for (let i = 0; i < accounts.length; i += SLOWDOWN_ACCOUNTS) {
      const some = accounts.slice(i, i + SLOWDOWN_ACCOUNTS);
      for (const row of await recentEnqueues(some.length).rows(executor, {
        since,
        limit: threshold + 1,
        accounts: some,
      }))
        counts.push({ account_id: row.account_id, n: Number(row.n) });
    }
    return counts;
  }

  /**
   * One lane's waiting jobs in FIFO order, read in pages of `PAGE`: between pages the event loop gets a turn, so a
   * reading of a long queue (the overview) never holds up requests for long, as SQLite answers synchronously.
   */
  private async waitingIn(
    executor: PolicyContext['db'],
    lane: Lane,
    options: { dispatch: boolean; limit: number },
  ): Promise<Waiting[]> {
    const rows: Waiting[] = [];
    let last: Waiting | undefined;
    while (rows.length < options.limit) {
      let query = executor
        .selectFrom('generations')
        .select(['id', 'account_id', 'lane', 'unlimited', 'enqueued_us', 'not_before_ms'])
        .where('status', '=', 'queued')
        .where('lane', '=', lane);
      if (options.dispatch) {
        query = query.where((eb) =>
          eb.or([
            eb('unlimited', '=', 0),
            eb(
              'account_id',
              'not in',
              eb
                .selectFrom('generations as busy')
                .select('busy.account_id')
                .where('busy.status', '=', 'running')
                .where('busy.unlimited', '=', 1),
            ),
          ]),
        );
      }
      if (last) {
        const after = last;
        query = query.where((eb) =>
          eb.or([
            eb('enqueued_us', '>', after.enqueued_us),
            eb.and([eb('enqueued_us', '=', after.enqueued_us), eb('id', '>', after.id)]),
          ]),
        );
      }
      const size = Math.min(PAGE, options.limit - rows.length);
      const page = (await query.orderBy('enqueued_us').orderBy('id').limit(size).execute()).map(numeric);
      rows.push(...page);
      if (page.length < size) break;
      last = page.at(-1);
      await nextTurn();
    }
    return rows;
  }

  /**
   * Claims the next job this process may run, if any, in two steps. First the choice, read without any lock. Then the
   * claim, in a transaction that locks the job's account before anything else (the claim records a change, which takes
   * the account's row). A busy account's charges hold that lock back to back: a claim that waited for it while holding
   * the dispatch lock held up every other account's work behind that one account, and on PostgreSQL, under a flood of
   * charges, most queued work never started. So an account in the middle of a charge is passed over for other accounts'
   * work; when only such work is left, the claim waits for the first of them, holding nothing else.
   * Under the account lock and then the dispatch lock, the claim checks again what the choice assumed (the system-wide
   * limit, U3) and takes the job only if it is still waiting. Lock order: the account, the dispatch lock, the job's
   * row; nothing takes them the other way round.
   */
  async claimNext(workerId: string, slots: number, local: LocalLoad): Promise<Claim> {
    const passedOver = new Set<string>();
    for (let attempt = 0; attempt < 6; attempt++) {
      // The last attempt, or any once every account it could serve is busy, waits for the account.
      const wait = attempt === 5;
      const choice = await this.#choose(slots, local, wait ? new Set() : passedOver);
      if (!choice.pick) {
        if (passedOver.size === 0 || wait) return { job: null, moreWaiting: choice.moreWaiting };
        attempt = 4;
        continue;
      }
      const outcome = await this.#claim(workerId, choice.pick, wait);
      this.#claimed(choice.pick, outcome);
      if (outcome === 'full') return { job: null, moreWaiting: true };
      if (outcome === 'account busy') passedOver.add(choice.pick.account_id);
      else if (outcome !== 'gone') return { job: outcome, moreWaiting: choice.moreWaiting };
      // Gone: another worker took it, or its account started an unlimited job meanwhile; the next choice knows.
    }
    return { job: null, moreWaiting: true };
  }

  /**
   * The job to claim next by U3, U5 and U8, and whether other work waits. A reading of the queue serves the claims that
   * follow it for `VIEW_MS` (a dispatch round that fills several slots, or a slot freed just after) as long as it still
   * offers a job: each claim checks again under its locks, and a choice it finds wrong (the job gone, the limit
   * reached) drops the reading. A reading that offers nothing is never trusted: the queue is read again.
   */
  async #choose(
    slots: number,
    local: LocalLoad,
    passedOver: ReadonlySet<string>,
  ): Promise<{ pick: Waiting | undefined; moreWaiting: boolean }> {
    const fresh = this.#view && Date.now() - this.#view.at < VIEW_MS ? this.#view : null;
    const cached = fresh ? this.#pickFrom(fresh, slots, local, passedOver) : undefined;
    if (cached?.pick) return cached;
    this.#view = await this.#read();
    return this.#pickFrom(this.#view, slots, local, passedOver);
  }

  /** The running jobs and the waiting ones in dispatch order (none read at the system-wide limit). */
  async #read(): Promise<DispatchView> {
    const db = this.#dispatchDb;
    const running = await db
      .selectFrom('generations')
      .select(['account_id', 'unlimited'])
      .where('status', '=', 'running')
      .execute();
    const full = atSystemLimit(running.length, this.#config);
    return {
      at: Date.now(),
      running,
      candidates: full ? [] : await this.ordered(db, { dispatch: true, limit: CANDIDATES }),
    };
  }

  #pickFrom(
    view: DispatchView,
    slots: number,
    local: LocalLoad,
    passedOver: ReadonlySet<string>,
  ): { pick: Waiting | undefined; moreWaiting: boolean } {
    return pickNext(view, slots, local, passedOver, this.#config, Date.now());
  }

  /** What a claim changed in the reading it chose from: its job runs now; or, when the choice was wrong, no reading. */
  #claimed(pick: Waiting, outcome: ClaimedJob | 'account busy' | 'full' | 'gone'): void {
    const view = this.#view;
    if (!view || outcome === 'account busy') return;
    if (outcome === 'full' || outcome === 'gone') {
      this.#view = null;
      return;
    }
    view.candidates = view.candidates.filter((c) => c.id !== pick.id);
    view.running.push({ account_id: pick.account_id, unlimited: pick.unlimited });
  }

  /**
   * Takes the chosen job if the choice still holds. 'account busy' when its account is locked and `wait` is false,
   * 'full' at the system-wide limit, 'gone' when the job was taken or U3 now holds it back.
   */
  async #claim(workerId: string, pick: Waiting, wait: boolean): Promise<ClaimedJob | 'account busy' | 'full' | 'gone'> {
    const { storage } = this.ctx;
    const limit = this.#config.systemConcurrency;
    return this.#dispatchDb.transaction().execute(async (trx) => {
      if (wait) await storage.lockAccount(trx, pick.account_id);
      else if (!(await storage.tryLockAccount(trx, pick.account_id))) return 'account busy';
      await storage.lockDispatch(trx);
      const nowMs = Date.now();
      const values: ClaimValues = {
        id: pick.id,
        limit,
        startedAt: this.ctx.clock.now().toISOString(),
        workerId,
        heartbeatMs: nowMs,
        waitMs: Math.max(0, Math.round(nowMs - pick.enqueued_us / 1000)),
      };
      const claimed = await storage.recordedWrite(claimJob, trx, values, pick.account_id, [
        { kind: 'generation', entityId: pick.id, op: 'upsert' },
      ]);
      if (!claimed) {
        // Why not: the system-wide limit, or the job is gone (taken, or its account started an unlimited job, U3).
        const running = await trx
          .selectFrom('generations')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', 'running')
          .executeTakeFirst();
        return Number(running?.n ?? 0) >= limit ? 'full' : 'gone';
      }
      return {
        id: claimed.id,
        accountId: claimed.account_id,
        lane: claimed.lane as Lane,
        attempts: Number(claimed.attempts),
        unlimited: Number(claimed.unlimited) === 1,
        row: claimed,
      };
    });
  }

  async heartbeat(workerId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#dispatchDb
      .updateTable('generations')
      .set({ heartbeat_ms: Date.now() })
      .where('worker_id', '=', workerId)
      .where('status', '=', 'running')
      .where('id', 'in', ids)
      .execute();
  }

  /**
   * Puts a running job back in the queue (shutdown, or its worker died), or, after maxAttempts, fails and refunds it:
   * one or the other, atomically, never both. `expectWorker` guards against taking a job another worker still runs.
   */
  async requeueOrFail(
    id: string,
    expectWorker: string | null,
    countAttempt: boolean,
  ): Promise<'requeued' | 'refunded' | 'skipped'> {
    const db = this.#dispatchDb;
    return db.transaction().execute(async (trx) => {
      const owner = await trx.selectFrom('generations').select('account_id').where('id', '=', id).executeTakeFirst();
      if (!owner) return 'skipped';
      await this.ctx.storage.lockAccount(trx, owner.account_id);
      const row = await trx
        .selectFrom('generations')
        .select(['account_id', 'status', 'worker_id', 'attempts'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row || row.status !== 'running' || (expectWorker !== null && row.worker_id !== expectWorker))
        return 'skipped';
      if (countAttempt && Number(row.attempts) >= this.#config.maxAttempts) {
        const done = await this.generations.finishUnsuccessfully(
          trx,
          row.account_id,
          id,
          'failed',
          'The generation was interrupted too many times',
          ['running'],
          row.worker_id ?? undefined,
        );
        return done ? 'refunded' : 'skipped';
      }
      await trx
        .updateTable('generations')
        .set((eb) => ({
          status: 'queued',
          started_at: null,
          worker_id: null,
          heartbeat_ms: null,
          attempts: countAttempt ? eb.ref('attempts') : eb('attempts', '-', 1),
        }))
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where('worker_id', row.worker_id === null ? 'is' : '=', row.worker_id)
        .execute();
      await this.ctx.storage.recordChange(trx, row.account_id, 'generation', id, 'upsert');
      return 'requeued';
    });
  }

  /** Running jobs whose worker stopped beating (or, `all`, every running job: a single process that just started). */
  async orphans(all: boolean): Promise<Array<{ id: string; account_id: string; worker_id: string | null }>> {
    let query = this.#dispatchDb
      .selectFrom('generations')
      .select(['id', 'account_id', 'worker_id'])
      .where('status', '=', 'running');
    if (!all)
      query = query.where((eb) =>
        eb.or([eb('heartbeat_ms', 'is', null), eb('heartbeat_ms', '<', Date.now() - this.#config.staleAfterS * 1000)]),
      );
    return query.execute();
  }

  /** Measured recent run and wait times per lane (milliseconds), from the last finished jobs. */
  async measured(): Promise<Record<Lane, { runMs: number | null; waitMs: number | null }>> {
    const result = {} as Record<Lane, { runMs: number | null; waitMs: number | null }>;
    for (const lane of ['fast', 'relaxed', 'standard'] as const) {
      const rows = await this.ctx.db
        .selectFrom('generations')
        .select(['run_ms', 'wait_ms'])
        .where('lane', '=', lane)
        .where('run_ms', 'is not', null)
        .orderBy('enqueued_us', 'desc')
        .limit(50)
        .execute();
      const avg = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);
      result[lane] = {
        runMs: avg(rows.map((r) => Number(r.run_ms))),
        waitMs: avg(rows.filter((r) => r.wait_ms !== null).map((r) => Number(r.wait_ms))),
      };
    }
    return result;
  }

  /** GET /v1/queue: depth, running and ETA per lane, and the caller's own jobs with position and ETA. */
  async status(accountId: string, slots: number): Promise<QueueStatus> {
    return (await this.overview(slots))(accountId);
  }

  /**
   * The queues read once, for any number of accounts: `queue` events go to every account with work in the queues, so
   * the scan and the measurements are shared by all of them.
   */
  async overview(slots: number): Promise<(accountId: string) => QueueStatus> {
    const { db } = this.ctx;
    const measured = await this.measuredCached();
    const allRun = Object.values(measured)
      .map((m) => m.runMs)
      .filter((v): v is number => v !== null);
    // Before anything has been measured there is no better guess than one second a job.
    const fallbackRunMs = allRun.length ? allRun.reduce((a, b) => a + b, 0) / allRun.length : 1000;
    const running = await db
      .selectFrom('generations')
      .select(['id', 'account_id', 'lane'])
      .where('status', '=', 'running')
      .execute();
    const waiting = await this.ordered(db, { dispatch: false, limit: 10_000 });
    const runMs = (lane: Lane) => measured[lane].runMs ?? fallbackRunMs;
    const seconds = (ms: number) => Math.round(ms) / 1000;
    const etaFor = (lane: Lane, position: number) =>
      seconds(Math.ceil(position / laneSlots(lane, slots, this.#config)) * runMs(lane));
    const laneStatus = (lane: Lane) => {
      const laneWaiting = waiting.filter((w) => w.lane === lane).length;
      return {
        waiting: laneWaiting,
        running: running.filter((r) => r.lane === lane).length,
        etaS: etaFor(lane, laneWaiting + 1),
      };
    };
    const lanes = {
      fast: laneStatus('fast'),
      relaxed: laneStatus('relaxed'),
      standard: laneStatus('standard'),
      system: {
        waiting: waiting.length,
        running: running.length,
        etaS: seconds(Math.ceil((waiting.length + 1) / this.#config.systemConcurrency) * fallbackRunMs),
      },
    };
    const mineByAccount = new Map<string, QueueStatus['mine']>();
    const positions = new Map<string, number>();
    for (const job of waiting) {
      const position = (positions.get(job.lane) ?? 0) + 1;
      positions.set(job.lane, position);
      const mine = mineByAccount.get(job.account_id) ?? [];
      mine.push({ generationId: job.id, lane: job.lane as Lane, position, etaS: etaFor(job.lane as Lane, position) });
      mineByAccount.set(job.account_id, mine);
    }
    for (const job of running) {
      const mine = mineByAccount.get(job.account_id) ?? [];
      mine.push({ generationId: job.id, lane: job.lane as Lane, position: 0, etaS: 0 });
      mineByAccount.set(job.account_id, mine);
    }
    return (accountId) => ({ lanes, mine: mineByAccount.get(accountId) ?? [] });
  }

  #measured: { at: number; value: Awaited<ReturnType<JobQueue['measured']>> } | null = null;

  /** Measured times change only as jobs finish: read them at most once a second. */
  private async measuredCached() {
    if (!this.#measured || Date.now() - this.#measured.at > 1000)
      this.#measured = { at: Date.now(), value: await this.measured() };
    return this.#measured.value;
  }

  /** Accounts with waiting or running jobs: the ones a queue change concerns. */
  async accountsInQueue(): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('generations')
      .select('account_id')
      .distinct()
      .where('status', 'in', ['queued', 'running'])
      .execute();
    return rows.map((r) => r.account_id);
  }
}

function numeric(w: {
  id: string;
  account_id: string;
  lane: string;
  unlimited: number;
  enqueued_us: number | null;
  not_before_ms: number | null;
}): Waiting {
  return {
    ...w,
    unlimited: Number(w.unlimited),
    enqueued_us: Number(w.enqueued_us ?? 0),
    not_before_ms: w.not_before_ms === null ? null : Number(w.not_before_ms),
  };
}
