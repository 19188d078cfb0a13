/**
 * C6 pricing and C5 spend order, as pure functions: the backend charges with them, the app previews and estimates
 * with them (offline too). Nothing here reads a clock or a database.
 */
import type { Catalog, Draw, GenerationSettings, Model, ToolId } from './api.js';

export interface PriceIssue {
  path: string;
  message: string;
}

export type PriceResult = { ok: true; cost: number; model: Model } | { ok: false; issues: PriceIssue[] };

/** C6: the model's price for the tool x quality x duration (video, audio) x outputs. */
export function priceRequest(
  catalog: Catalog,
  request: { tool: ToolId; modelId: string; settings: GenerationSettings },
): PriceResult {
  const issues: PriceIssue[] = [];
  const model = catalog.models.find((m) => m.id === request.modelId);
  if (!model) return { ok: false, issues: [{ path: 'body.modelId', message: `unknown model ${request.modelId}` }] };
  if (!model.tools.includes(request.tool))
    issues.push({ path: 'body.tool', message: `${model.id} does not offer ${request.tool}` });
  const { settings } = request;
  const { min, max } = catalog.multipliers.outputs;
  if (settings.outputs < min || settings.outputs > max)
    issues.push({ path: 'body.settings.outputs', message: `must be ${min} to ${max}` });
  const quality = catalog.multipliers.quality[settings.quality ?? 'standard'];
  if (quality === undefined)
    issues.push({ path: 'body.settings.quality', message: `unknown quality ${settings.quality}` });
  let duration = 1;
  if (model.kind === 'image') {
    if (settings.durationS !== undefined)
      issues.push({ path: 'body.settings.durationS', message: 'images have no duration' });
  } else {
    const table = catalog.multipliers.durationS[model.kind];
    const chosen =
      settings.durationS ??
      Number(
        Object.keys(table)
          .map(Number)
          .sort((a, b) => a - b)[0],
      );
    const factor = table[String(chosen)];
    if (factor === undefined) {
      issues.push({
        path: 'body.settings.durationS',
        message: `${model.kind} durations are ${Object.keys(table).join(', ')} s`,
      });
    } else duration = factor;
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, cost: Math.round(model.price * (quality ?? 1) * duration * settings.outputs), model };
}

export interface CreditBalances {
  free: number;
  subscription: number;
  topup: number;
}

export type DrawPlan = { ok: true; draws: Draw[] } | { ok: false; shortfall: number };

/** C5: free first, then subscription, then top-up; one charge may draw on several balances. */
export function planCreditDraws(balances: CreditBalances, cost: number): DrawPlan {
  const available = balances.free + balances.subscription + balances.topup;
  if (cost > available) return { ok: false, shortfall: cost - available };
  const draws: Draw[] = [];
  let left = cost;
  for (const balance of ['free', 'subscription', 'topup'] as const) {
    const take = Math.min(left, balances[balance]);
    if (take > 0) draws.push({ balance, amount: take });
    left -= take;
  }
  return { ok: true, draws };
}
