/**
 * Property-based check of the ledger (C5, C8, C9, C3, C4, A4): random sequences of subscribe, upgrade, cancel, top-up,
 * charge, fail, cancel-refund and clock jumps, driven through the policy services against a simple model, must keep:
 * the sum of entries equals each balance and every entry's `after` is the running sum; no balance below zero; refunds
 * never exceed debits (and happen once); every charge follows the spend order; top-ups never expire.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRequest } from '../../../shared/api.js';
import { planCreditDraws, priceRequest } from '../../../shared/pricing.js';
import { Accounts } from '../../../backend/domain/accounts.js';
import { loadCatalog } from '../../../backend/catalog.js';
import { TestClock } from '../../../backend/clock.js';
import { parseOperationsConfig } from '../../../backend/config.js';
import { openDatabase, type Database } from '../../../backend/storage/database.js';
import { EventLog } from '../../../backend/storage/events.js';
import { Generations } from '../../../backend/domain/generations.js';
import { Charges } from '../../../backend/policy/charges.js';
import type { PolicyContext } from '../../../backend/policy/context.js';
import { DueWork } from '../../../backend/policy/due-work.js';
import { Subscriptions } from '../../../backend/policy/subscriptions.js';
import { ApiProblem } from '../../../backend/problem.js';
import { engines, freshDatabaseUrl } from '../../support/engines.js';

const catalog = loadCatalog();
const RUNS: Record<string, number> = { sqlite: Number(process.env.COMPANION_PROPERTY_RUNS ?? 1000), postgres: 150 };

type Command =
  | { kind: 'subscribe'; planId: string }
  | { kind: 'cancel' }
  | { kind: 'topup'; credits: number }
  | { kind: 'charge'; request: GenerationRequest }
  | { kind: 'fail'; pick: number }
  | { kind: 'cancelQueued'; pick: number }
  | { kind: 'jump'; seconds: number };

const requestArb: fc.Arbitrary<GenerationRequest> = fc
  .record({
    modelId: fc.constantFrom(
      'spark-image',
      'vivid-image',
      'vivid-pro-image',
      'motion-video',
      'voice-tts',
      'tune-music',
    ),
    outputs: fc.integer({ min: 1, max: 4 }),
    hd: fc.boolean(),
    long: fc.boolean(),
  })
  .map(({ modelId, outputs, hd, long }) => {
    const model = catalog.models.find((m) => m.id === modelId)!;
    const durationS = model.kind === 'video' ? (long ? 10 : 5) : model.kind === 'audio' ? (long ? 60 : 30) : undefined;
    return {
      tool: model.tool,
      modelId,
      prompt: 'property test',
      settings: { outputs, ...(hd ? { quality: 'hd' as const } : {}), ...(durationS ? { durationS } : {}) },
    };
  });

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('basic', 'standard', 'ultra', 'ultra-yearly', 'core', 'plus')
      .map((planId) => ({ kind: 'subscribe' as const, planId })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 3000 }).map((credits) => ({ kind: 'topup' as const, credits })) },
  { weight: 6, arbitrary: requestArb.map((request) => ({ kind: 'charge' as const, request })) },
  { weight: 2, arbitrary: fc.nat(20).map((pick) => ({ kind: 'fail' as const, pick })) },
  { weight: 1, arbitrary: fc.nat(20).map((pick) => ({ kind: 'cancelQueued' as const, pick })) },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 600, max: 50 * 86_400 }).map((seconds) => ({ kind: 'jump' as const, seconds })),
  },
);

describe.each(engines)('ledger properties (%s)', (engine) => {
  let database: Database;
  let dataDir: string;
  let dropDatabase: () => Promise<void> = async () => {};

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'companion-property-'));
    let databaseUrl: string | undefined;
    if (engine === 'postgres') {
      const fresh = await freshDatabaseUrl();
      databaseUrl = fresh.url;
      dropDatabase = fresh.drop;
    }
    database = await openDatabase({ dataDir, databaseUrl });
  });
  afterAll(async () => {
    await database.close();
    await dropDatabase();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    `C5/C8/C9: random histories keep the ledger, the balances and the spend order consistent (${RUNS[engine]} runs)`,
    { timeout: 600_000 },
    async () => {
      const { db } = database;
      await fc.assert(
        fc.asyncProperty(
          fc.array(commandArb, { minLength: 5, maxLength: 25 }),
          fc.constantFrom('UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'America/Sao_Paulo'),
          fc.integer({ min: 0, max: 365 * 86_400 }),
          async (commands, zone, startOffsetS) => {
            // Fresh services with their own clock per run; they share the database, each run with its own account.
            const clock = new TestClock(new Date(Date.UTC(2026, 0, 1) + startOffsetS * 1000));
            const ctx: PolicyContext = {
              db,
              storage: database.storage,
              catalog,
              clock,
              events: new EventLog(db, clock),
              config: parseOperationsConfig({}),
            };
            const subscriptions = new Subscriptions(ctx);
            const accounts = new Accounts(db, database.storage, catalog, clock, subscriptions);
            const charges = new Charges(ctx);
            const dueWork = new DueWork(ctx, subscriptions, async () => {});
            const generations = new Generations(ctx, charges, dueWork);
            const { account } = await accounts.create({ name: 'property', timeZone: zone });
            const id = account.id;
            let expectedTopup = 0;
            const pending: Array<{ id: string; topupDrawn: number }> = [];

            const balances = async () => {
              const rows = await db
                .selectFrom('balances')
                .select(['name', 'amount'])
                .where('account_id', '=', id)
                .execute();
              const of = (name: string) => Number(rows.find((r) => r.name === name)?.amount ?? 0);
              return {
                free: of('free'),
                subscription: of('subscription'),
                topup: of('topup'),
                generations: of('generations'),
              };
            };

            for (const command of commands) {
              switch (command.kind) {
                case 'subscribe':
                  await db.transaction().execute((trx) => subscriptions.subscribe(trx, id, command.planId));
                  break;
                case 'cancel':
                  await db
                    .transaction()
                    .execute((trx) => subscriptions.cancel(trx, id))
                    .catch((e) => expect(e).toBeInstanceOf(ApiProblem));
                  break;
                case 'topup':
                  try {
                    await db.transaction().execute((trx) => subscriptions.buyTopup(trx, id, command.credits));
                    expectedTopup += command.credits;
                  } catch (error) {
                    expect((error as ApiProblem).code).toBe('subscription_required');
                  }
                  break;
                case 'charge': {
                  const before = await balances();
                  const entriesBefore = await db
                    .selectFrom('ledger_entries')
                    .select('id')
                    .where('account_id', '=', id)
                    .execute();
                  try {
                    const row = await db.transaction().execute((trx) => generations.create(trx, id, command.request));
                    const draws = JSON.parse(row.draws) as Array<{ balance: string; amount: number }>;
                    if (row.cost_credits > 0) {
                      // C5: exactly the spend-order split of the balances just before.
                      const cost = (priceRequest(catalog, command.request) as { cost: number }).cost;
                      expect(row.cost_credits).toBe(cost);
                      const planned = planCreditDraws(
                        { free: before.free, subscription: before.subscription, topup: before.topup },
                        cost,
                      );
                      expect(planned.ok && planned.draws).toEqual(draws);
                    }
                    const topupDrawn = draws.find((d) => d.balance === 'topup')?.amount ?? 0;
                    expectedTopup -= topupDrawn;
                    pending.push({ id: row.id, topupDrawn });
                  } catch (error) {
                    // C7/G6/C6: a refusal charges nothing and writes nothing.
                    expect(['insufficient_credits', 'generation_limit_reached', 'subscription_required']).toContain(
                      (error as ApiProblem).code,
                    );
                    const entriesAfter = await db
                      .selectFrom('ledger_entries')
                      .select('id')
                      .where('account_id', '=', id)
                      .execute();
                    expect(entriesAfter.length).toBe(entriesBefore.length);
                    expect(await balances()).toEqual(before);
                  }
                  break;
                }
                case 'fail':
                case 'cancelQueued': {
                  if (pending.length === 0) break;
                  const [target] = pending.splice(command.pick % pending.length, 1);
                  const status = command.kind === 'fail' ? 'failed' : 'cancelled';
                  const done = await db
                    .transaction()
                    .execute((trx) =>
                      generations.finishUnsuccessfully(trx, id, target!.id, status, 'property', ['queued', 'running']),
                    );
                  expect(done).toBe(true);
                  // C4 + C8: top-up credits never expire, so their part always comes back in full.
                  expectedTopup += target!.topupDrawn;
                  // Refunding twice is impossible.
                  expect(
                    await db
                      .transaction()
                      .execute((trx) =>
                        generations.finishUnsuccessfully(trx, id, target!.id, status, 'again', [
                          'queued',
                          'running',
                          'failed',
                          'cancelled',
                        ]),
                      ),
                  ).toBe(false);
                  break;
                }
                case 'jump':
                  await clock.advance(command.seconds);
                  await dueWork.apply(id);
                  break;
              }

              // Invariants after every step.
              const now = await balances();
              for (const value of Object.values(now)) expect(value).toBeGreaterThanOrEqual(0);
              expect(now.topup).toBe(expectedTopup);
              const entries = await db
                .selectFrom('ledger_entries')
                .selectAll()
                .where('account_id', '=', id)
                .orderBy('id')
                .execute();
              const running: Record<string, number> = {};
              for (const entry of entries) {
                running[entry.balance] = (running[entry.balance] ?? 0) + Number(entry.amount);
                expect(Number(entry.after)).toBe(running[entry.balance]);
              }
              expect(running.free ?? 0).toBe(now.free);
              expect(running.subscription ?? 0).toBe(now.subscription);
              expect(running.topup ?? 0).toBe(now.topup);
              expect(running.generations ?? 0).toBe(now.generations);
              const perGeneration = new Map<string, { debited: number; refunded: number; refunds: number }>();
              for (const entry of entries.filter((e) => e.generation_id)) {
                const g = perGeneration.get(entry.generation_id!) ?? { debited: 0, refunded: 0, refunds: 0 };
                if (entry.kind === 'debit') g.debited -= Number(entry.amount);
                if (entry.kind === 'refund') {
                  g.refunded += Number(entry.amount);
                  g.refunds += 1;
                }
                perGeneration.set(entry.generation_id!, g);
              }
              for (const g of perGeneration.values()) expect(g.refunded).toBeLessThanOrEqual(g.debited);
            }
          },
        ),
        { numRuns: RUNS[engine]!, endOnFailure: true },
      );
    },
  );
});
