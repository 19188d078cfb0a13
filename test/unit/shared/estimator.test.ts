import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../shared/api.js';
import {
  clampBufferPercent,
  estimateMonthlyUse,
  fitPlans,
  monthlyPrice,
  recommendPlan,
  rowsFromRecentUse,
  withBuffer,
  workedExampleRows,
  type CreditPlanFit,
  type EstimatorRow,
  type GenerationPlanFit,
} from '../../../shared/estimator.js';

const catalog = Catalog.parse(
  JSON.parse(readFileSync(new URL('../../../backend/catalog.json', import.meta.url), 'utf8')),
);

function fitOf<T extends 'credits' | 'generations'>(rows: EstimatorRow[], planId: string, _billing: T, buffer = 25) {
  const fit = fitPlans(catalog, estimateMonthlyUse(catalog, rows, buffer)).find((f) => f.plan.id === planId);
  if (!fit) throw new Error(`no plan ${planId}`);
  return fit as T extends 'credits' ? CreditPlanFit : GenerationPlanFit;
}

function recommend(rows: EstimatorRow[], buffer = 25) {
  const estimate = estimateMonthlyUse(catalog, rows, buffer);
  return recommendPlan(fitPlans(catalog, estimate), estimate);
}

const row = (overrides: Partial<EstimatorRow> & Pick<EstimatorRow, 'modelId' | 'tool'>): EstimatorRow => ({
  settings: { outputs: 1, quality: 'standard' },
  uses: 1,
  per: 'day',
  workingDays: 22,
  ...overrides,
});

describe('E1 monthly credits', () => {
  it('E1: the worked example is 15,840 + 46,200 = 62,040 credits a month before the buffer', () => {
    const estimate = estimateMonthlyUse(catalog, workedExampleRows());
    expect(estimate.rows.map((r) => r.costPerUse)).toEqual([24, 210]);
    expect(estimate.rows.map((r) => r.creditsPerMonth)).toEqual([15_840, 46_200]);
    expect(estimate.credits).toBe(62_040);
  });

  it('E1: a 25 % buffer makes the worked example 77,550 credits', () => {
    expect(estimateMonthlyUse(catalog, workedExampleRows(), 25).creditsWithBuffer).toBe(77_550);
  });

  it('E1: the buffer stays within 20-30 %', () => {
    expect(estimateMonthlyUse(catalog, workedExampleRows(), 20).creditsWithBuffer).toBe(74_448);
    expect(estimateMonthlyUse(catalog, workedExampleRows(), 30).creditsWithBuffer).toBe(80_652);
    expect(clampBufferPercent(5)).toBe(20);
    expect(clampBufferPercent(80)).toBe(30);
    expect(clampBufferPercent(Number.NaN)).toBe(25);
  });

  it('E1: a buffer that does not land on a whole credit is rounded up', () => {
    expect(withBuffer(101, 25)).toBe(127);
    expect(withBuffer(100, 25)).toBe(125);
  });

  it('E1: uses per month are taken as given, not multiplied by working days', () => {
    const estimate = estimateMonthlyUse(catalog, [
      row({ modelId: 'spark-image', tool: 'text-to-image', uses: 40, per: 'month', workingDays: 10 }),
    ]);
    expect(estimate.credits).toBe(240);
    expect(estimate.generations).toBe(40);
  });

  it('C6: quality, duration and outputs multiply the cost per use', () => {
    const estimate = estimateMonthlyUse(catalog, [
      row({
        modelId: 'vivid-image',
        tool: 'text-to-image',
        settings: { outputs: 3, quality: 'hd' },
        uses: 1,
        per: 'month',
      }),
      row({
        modelId: 'motion-video',
        tool: 'text-to-video',
        settings: { outputs: 1, quality: 'standard', durationS: 10 },
        uses: 1,
        per: 'month',
      }),
      row({
        modelId: 'tune-music',
        tool: 'ai-music',
        settings: { outputs: 1, quality: 'standard', durationS: 120 },
        uses: 1,
        per: 'month',
      }),
    ]);
    expect(estimate.rows.map((r) => r.costPerUse)).toEqual([144, 420, 160]);
  });

  it('G2: generations count Generate actions, not outputs', () => {
    const estimate = estimateMonthlyUse(catalog, [
      row({
        modelId: 'spark-image',
        tool: 'text-to-image',
        settings: { outputs: 4 },
        uses: 2,
        per: 'day',
        workingDays: 10,
      }),
    ]);
    expect(estimate.generations).toBe(20);
    expect(estimate.credits).toBe(480);
  });

  it('E1: a row that cannot be priced says why and counts for nothing', () => {
    const estimate = estimateMonthlyUse(catalog, [
      row({ modelId: 'spark-image', tool: 'text-to-video' }),
      row({ modelId: 'no-such-model', tool: 'text-to-image' }),
      row({ modelId: 'spark-image', tool: 'text-to-image', uses: 1, per: 'month' }),
    ]);
    expect(estimate.rows[0]!.costPerUse).toBeNull();
    expect(estimate.rows[0]!.issues).toEqual(['spark-image does not offer text-to-video']);
    expect(estimate.rows[1]!.issues).toEqual(['unknown model no-such-model']);
    expect(estimate.credits).toBe(6);
  });
});

describe('E2 what each plan gives', () => {
  it('C2: free credits cover at most the daily amount on each day of use (22 days: 2,200)', () => {
    const ultra = fitOf(workedExampleRows(), 'ultra', 'credits');
    expect(ultra.monthlyCredits).toBe(16_000);
    expect(ultra.usableFreeCredits).toBe(2_200);
    expect(ultra.covers).toBe(false);
    expect(ultra.shortBy).toBe(77_550 - 16_000 - 2_200);
    expect(ultra.topupCredits).toBe(59_350);
  });

  it('C2: free credits never count for more than the month needs', () => {
    const free = fitOf([row({ modelId: 'spark-image', tool: 'text-to-image', uses: 2 })], 'free', 'credits');
    // 2 x 6 x 22 = 264, with 25 %: 330; the free credits pay it all and no more.
    expect(free.usableFreeCredits).toBe(330);
    expect(free.covers).toBe(true);
  });

  it('C4: the free plan cannot buy top-ups', () => {
    expect(fitOf(workedExampleRows(), 'free', 'credits').topupCredits).toBeNull();
  });

  it('G1: an unlimited generation plan covers any number of generations; a limited one says how many are missing', () => {
    expect(fitOf(workedExampleRows(), 'ultimate', 'generations').covers).toBe(true);
    const plus = fitOf(workedExampleRows(), 'plus', 'generations');
    // 40 actions a day x 22 days = 880; with 25 %: 1,100; Plus gives 100.
    expect(plus.covers).toBe(false);
    expect(plus.shortBy).toBe(1_000);
  });

  it('the price per month of a yearly plan is a twelfth of its price', () => {
    const yearly = catalog.plans.find((p) => p.id === 'ultra-yearly')!;
    expect(monthlyPrice(yearly)).toBe(40);
  });

  it('C6: pro models need a subscription, so the free plan cannot serve them whatever the credits', () => {
    const free = fitOf(
      [row({ modelId: 'vivid-pro-image', tool: 'text-to-image', uses: 1, per: 'month' })],
      'free',
      'credits',
    );
    expect(free.blockedBy).toBe('pro models need a subscription');
    expect(free.covers).toBe(false);
  });
});

describe('E2 the recommended plan', () => {
  it('E2: the worked example is covered by Ultimate (unlimited generations, 30 a month), cheaper than Ultra plus top-ups', () => {
    const recommendation = recommend(workedExampleRows());
    expect(recommendation.kind).toBe('covers');
    if (recommendation.kind !== 'covers') return;
    expect(recommendation.planId).toBe('ultimate');
    expect(recommendation.reason).toBe(
      'The cheapest plan that covers your use: Ultimate gives unlimited generations for the 1,100 Generate actions a month you plan (buffer included), at $30/month.',
    );
  });

  it('E2: small use is covered by the daily free credits: the free plan', () => {
    expect(recommend([row({ modelId: 'spark-image', tool: 'text-to-image', uses: 5 })])).toMatchObject({
      kind: 'covers',
      planId: 'free',
    });
  });

  it('E2: no use at all recommends the first plan that costs nothing (free)', () => {
    expect(recommend([])).toMatchObject({ kind: 'covers', planId: 'free' });
  });

  it('E2/G2: 8 pro videos a month are 10 generations with the buffer: Core (10 a month, price 0) covers them', () => {
    const rows = [
      row({
        modelId: 'motion-pro-video',
        tool: 'text-to-video',
        settings: { outputs: 4, quality: 'hd', durationS: 10 },
        uses: 8,
        per: 'month',
      }),
    ];
    const estimate = estimateMonthlyUse(catalog, rows);
    expect(estimate.generationsWithBuffer).toBe(10);
    expect(estimate.creditsWithBuffer).toBe(8 * 480 * 2 * 2 * 4 * 1.25);
    expect(recommend(rows)).toMatchObject({ kind: 'covers', planId: 'core' });
  });

  it('E2/G2: 9 pro videos a month are 12 generations with the buffer: Plus is the cheapest that covers them', () => {
    const rows = [
      row({
        modelId: 'motion-pro-video',
        tool: 'text-to-video',
        settings: { outputs: 1, quality: 'standard', durationS: 5 },
        uses: 9,
        per: 'month',
      }),
    ];
    // 9 x 480 = 4,320, with 25 %: 5,400: Standard (20) would cover it with 5,000 + 2,200 free; Plus (10 a month) covers
    // the 12 generations for less. Core's 10 are short.
    expect(recommend(rows)).toMatchObject({ kind: 'covers', planId: 'plus' });
  });

  it('E2: a credit plan is recommended with top-ups only when no plan covers the use without them', () => {
    const withoutUnlimited = { ...catalog, plans: catalog.plans.filter((p) => p.id !== 'ultimate') };
    const estimate = estimateMonthlyUse(withoutUnlimited, workedExampleRows());
    const recommendation = recommendPlan(fitPlans(withoutUnlimited, estimate), estimate);
    expect(recommendation.kind).toBe('with-topups');
    if (recommendation.kind !== 'with-topups') return;
    // Ultra and Ultra (yearly) need the same top-ups; the yearly one costs less a month (40 < 48).
    expect(recommendation.planId).toBe('ultra-yearly');
    expect(recommendation.topupCredits).toBe(59_350);
    expect(recommendation.reason).toContain('needs 59,350 top-up credits a month');
  });

  it('E2: the cheapest covering plan wins over a bigger one: 1,000 credits a month of images is Basic', () => {
    // 10 vivid images on 4 days = 960 credits, with 25 %: 1,200; free credits pay 400 (4 days), Basic's 1,500 the rest.
    const rows = [row({ modelId: 'vivid-image', tool: 'text-to-image', uses: 10, workingDays: 4 })];
    expect(recommend(rows)).toMatchObject({ kind: 'covers', planId: 'basic' });
  });
});

describe('E2 start from my last 30 days', () => {
  it('E2: turns recent use into rows of uses per month spread over the active days', () => {
    const rows = rowsFromRecentUse(catalog, [
      { modelId: 'vivid-image', tool: 'text-to-image', generations: 600, credits: 14_400, activeDays: 20 },
      { modelId: 'motion-video', tool: 'text-to-video', generations: 200, credits: 84_000, activeDays: 20 },
    ]);
    expect(rows).toEqual([
      {
        modelId: 'vivid-image',
        tool: 'text-to-image',
        settings: { outputs: 1, quality: 'standard' },
        uses: 600,
        per: 'month',
        workingDays: 20,
      },
      {
        modelId: 'motion-video',
        tool: 'text-to-video',
        settings: { outputs: 1, quality: 'standard', durationS: 10 },
        uses: 200,
        per: 'month',
        workingDays: 20,
      },
    ]);
    expect(estimateMonthlyUse(catalog, rows).credits).toBe(14_400 + 84_000);
  });

  it('E2: settings are chosen so that the cost per use matches the average paid (2 HD outputs of vivid-image = 96)', () => {
    const [only] = rowsFromRecentUse(catalog, [
      { modelId: 'vivid-image', tool: 'image-to-image', generations: 10, credits: 960, activeDays: 3 },
    ]);
    expect(only?.tool).toBe('image-to-image');
    expect(estimateMonthlyUse(catalog, [only!]).rows[0]!.costPerUse).toBe(96);
  });

  it('E2: the settings it really ran with are kept, one row each: 2 standard outputs stay 2 standard outputs', () => {
    // 2 standard outputs and 1 HD output of vivid-image cost the same (48): the average alone cannot tell them apart.
    const rows = rowsFromRecentUse(catalog, [
      {
        modelId: 'vivid-image',
        tool: 'text-to-image',
        generations: 15,
        credits: 15 * 48,
        activeDays: 5,
        bySettings: [
          { settings: { outputs: 2, quality: 'standard' }, generations: 10, credits: 480 },
          { settings: { outputs: 1, quality: 'hd' }, generations: 5, credits: 240 },
        ],
      },
    ]);
    expect(rows).toEqual([
      {
        modelId: 'vivid-image',
        tool: 'text-to-image',
        settings: { outputs: 2, quality: 'standard' },
        uses: 10,
        per: 'month',
        workingDays: 5,
      },
      {
        modelId: 'vivid-image',
        tool: 'text-to-image',
        settings: { outputs: 1, quality: 'hd' },
        uses: 5,
        per: 'month',
        workingDays: 5,
      },
    ]);
    expect(estimateMonthlyUse(catalog, rows).credits).toBe(15 * 48);
  });

  it('E2: use that cost nothing (unlimited window, generation plan) is priced at one standard output', () => {
    const [only] = rowsFromRecentUse(catalog, [
      { modelId: 'spark-image', tool: 'text-to-image', generations: 30, credits: 0, activeDays: 6 },
    ]);
    expect(only).toEqual({
      modelId: 'spark-image',
      tool: 'text-to-image',
      settings: { outputs: 1, quality: 'standard' },
      uses: 30,
      per: 'month',
      workingDays: 6,
    });
  });

  it('E2: models no longer in the catalog and models not used are left out', () => {
    expect(
      rowsFromRecentUse(catalog, [
        { modelId: 'retired-model', tool: 'text-to-image', generations: 5, credits: 50, activeDays: 1 },
        { modelId: 'spark-image', tool: 'text-to-image', generations: 0, credits: 0, activeDays: 0 },
      ]),
    ).toEqual([]);
  });
});
