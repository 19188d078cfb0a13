/**
 * The HTTP contract (docs/API.md) as zod schemas. Every shape that crosses the wire is defined here once; types are
 * inferred. The backend validates requests and responses with these, the client parses responses with them.
 */
import { z } from 'zod';

export const isoTime = z.iso.datetime({ offset: true });
const amount = z.number().int();
/** A balance or a count: never below zero (the ledger and the database refuse that). */
const quantity = z.number().int().nonnegative();
const id = z.string().min(1).max(200);

export const TIME_ZONE_PATTERN = /^(UTC|[A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2})$/;
export const timeZone = z.string().regex(TIME_ZONE_PATTERN, 'must be an IANA time zone name such as Europe/Berlin');

// ---- catalog -------------------------------------------------------------------------------------------------
export const toolIds = [
  'text-to-image',
  'image-to-image',
  'creative-upscale',
  'text-to-video',
  'image-to-video',
  'text-to-speech',
  'ai-music',
] as const;
export const ToolId = z.enum(toolIds);
export type ToolId = z.infer<typeof ToolId>;

export const ModelKind = z.enum(['image', 'video', 'audio']);
export type ModelKind = z.infer<typeof ModelKind>;

export const Tool = z.object({ id: ToolId, name: z.string(), kind: ModelKind, needsSource: z.boolean() });
export type Tool = z.infer<typeof Tool>;

export const Model = z.object({
  id,
  tool: ToolId,
  tools: z.array(ToolId).min(1),
  kind: ModelKind,
  name: z.string(),
  pro: z.boolean(),
  price: z.number().int().positive(),
  supportsRelaxed: z.boolean(),
  unlimitedDays: z.number().int().positive().optional(),
  /** Where the model runs: the built-in local provider by default, or a Stable-Diffusion-WebUI-compatible server. */
  provider: z.object({ kind: z.literal('sd-webui'), url: z.url() }).optional(),
  /**
   * Set by the backend that serves the catalog: true when the model's outputs come from the built-in demo generator
   * (placeholder pictures and sounds made on the backend's machine, for trying the app), false for a real one. Absent
   * from older backends: then the app says nothing either way.
   */
  demo: z.boolean().optional(),
});
export type Model = z.infer<typeof Model>;

export const PlanBilling = z.enum(['credits', 'generations']);
export const PlanPeriod = z.enum(['month', 'quarter', 'year']);
export type PlanPeriod = z.infer<typeof PlanPeriod>;

export const Plan = z.object({
  id,
  name: z.string(),
  billing: PlanBilling,
  period: PlanPeriod.nullable(),
  monthlyCredits: amount.nonnegative().optional(),
  monthlyGenerations: amount.nonnegative().nullable().optional(),
  unlimitedModels: z.array(z.object({ modelId: id, days: z.number().int().positive() })),
  fastDailyLimit: amount.nonnegative(),
  price: z.number().nonnegative(),
});
export type Plan = z.infer<typeof Plan>;

export const SettingsMultipliers = z.object({
  quality: z.record(z.string(), z.number().positive()),
  durationS: z.object({
    video: z.record(z.string(), z.number().positive()),
    audio: z.record(z.string(), z.number().positive()),
  }),
  outputs: z.object({ min: z.number().int().positive(), max: z.number().int().positive() }),
});
export type SettingsMultipliers = z.infer<typeof SettingsMultipliers>;

export const Catalog = z.object({
  tools: z.array(Tool),
  models: z.array(Model),
  plans: z.array(Plan),
  multipliers: SettingsMultipliers,
  dailyFreeCredits: amount.nonnegative(),
  blockedWords: z.array(z.string()).default([]),
});
export type Catalog = z.infer<typeof Catalog>;

// ---- account -------------------------------------------------------------------------------------------------
export const AccountStatus = z.enum(['active', 'unlimited_paused', 'suspended']);
export const Subscription = z.object({
  planId: id,
  status: z.enum(['active', 'cancelled', 'none']),
  startedAt: isoTime.nullable(),
  anniversaryDay: z.number().int().min(1).max(31).nullable(),
  renewsAt: isoTime.nullable(),
  /** When a cancelled subscription ends (A4: it runs to the end of the paid period). */
  endsAt: isoTime.nullable().optional(),
  period: PlanPeriod.nullable(),
});
export type Subscription = z.infer<typeof Subscription>;

export const FairUse = z.object({
  pausedAt: isoTime.nullable(),
  reason: z.string().nullable(),
  appeal: z
    .object({ id, status: z.enum(['open', 'restored', 'upheld']), message: z.string(), createdAt: isoTime })
    .nullable(),
  violations: z.number().int().nonnegative(),
});

export const Me = z.object({
  id,
  name: z.string(),
  timeZone,
  status: AccountStatus,
  plan: Plan,
  subscription: Subscription,
  fairUse: FairUse.optional(),
});
export type Me = z.infer<typeof Me>;

// ---- balance -------------------------------------------------------------------------------------------------
export const UnlimitedWindow = z.object({ modelId: id, startsAt: isoTime, endsAt: isoTime });
export const Balance = z.object({
  asOf: isoTime,
  credits: z.object({
    free: z.object({ amount: quantity, resetsAt: isoTime }),
    subscription: z.object({ amount: quantity, expiresAt: isoTime.nullable() }),
    topup: z.object({ amount: quantity }),
    total: quantity,
  }),
  generations: z.object({ used: quantity, limit: quantity.nullable(), resetsAt: isoTime.nullable() }).nullable(),
  fast: z.object({ used: quantity, limit: quantity, resetsAt: isoTime }),
  unlimited: z.array(UnlimitedWindow),
});
export type Balance = z.infer<typeof Balance>;

// ---- requests ------------------------------------------------------------------------------------------------
export const SubscribeRequest = z.object({ planId: id });
export const TopupRequest = z.object({ credits: z.number().int().positive().max(1_000_000) });
/** PATCH /v1/me: the account's settings a creator may change themselves. */
export const MeUpdate = z.object({ timeZone }).strict();
export type MeUpdate = z.infer<typeof MeUpdate>;

export const GenerationSettings = z.object({
  outputs: z.number().int().min(1).max(4),
  quality: z.enum(['standard', 'hd']).optional(),
  durationS: z.number().int().positive().max(600).optional(),
  width: z.number().int().min(64).max(4096).optional(),
  height: z.number().int().min(64).max(4096).optional(),
  seed: z
    .number()
    .int()
    .nonnegative()
    .max(2 ** 31)
    .optional(),
  sourceId: id.optional(),
});
export type GenerationSettings = z.infer<typeof GenerationSettings>;

export const BalanceName = z.enum(['free', 'subscription', 'topup', 'generations']);
export type BalanceName = z.infer<typeof BalanceName>;
export const Draw = z.object({ balance: BalanceName, amount });
export type Draw = z.infer<typeof Draw>;

export const Lane = z.enum(['fast', 'relaxed', 'standard']);
export type Lane = z.infer<typeof Lane>;

export const CostEstimateRequest = z.object({
  tool: ToolId,
  modelId: id,
  settings: GenerationSettings,
  workflow: z.boolean().optional(),
});
export type CostEstimateRequest = z.infer<typeof CostEstimateRequest>;

export const GenerationRequest = CostEstimateRequest.extend({ prompt: z.string().min(1).max(4000) });
export type GenerationRequest = z.infer<typeof GenerationRequest>;

// ---- errors --------------------------------------------------------------------------------------------------
export const errorCodes = [
  'unauthorized',
  'not_found',
  'invalid_request',
  'insufficient_credits',
  'subscription_required',
  'generation_limit_reached',
  'fast_limit_reached',
  'unlimited_paused',
  'account_suspended',
  'idempotency_conflict',
  'rate_limited',
  'not_cancellable',
  'not_implemented',
  'internal_error',
  'not_ready',
] as const;
export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const WayOut = z.object({
  kind: z.enum(['wait', 'topup', 'upgrade']),
  /** wait: when the refresh comes. */
  at: isoTime.optional(),
  /** topup: the credits that would be enough. */
  credits: amount.positive().optional(),
  /** upgrade: the plans that would cover the request, cheapest first. */
  planIds: z.array(id).optional(),
});
export type WayOut = z.infer<typeof WayOut>;

export const Problem = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  code: ErrorCode,
  detail: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  shortfall: amount.optional(),
  resetsAt: isoTime.nullable().optional(),
  options: z.array(WayOut).optional(),
  /** The request's id (its X-Request-Id), by which the backend's log finds it. */
  instance: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;

export const CostEstimate = z.object({
  cost: amount.nonnegative(),
  /** credits on credit-billed plans; generations (one per Generate action, G2) on generation-billed ones. */
  unit: z.enum(['credits', 'generations']).optional(),
  draws: z.array(Draw),
  lane: Lane,
  unlimited: z.boolean(),
  refusal: Problem.optional(),
});
export type CostEstimate = z.infer<typeof CostEstimate>;

// ---- generations ---------------------------------------------------------------------------------------------
export const GenerationStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'blocked', 'cancelled']);
export type GenerationStatus = z.infer<typeof GenerationStatus>;

export const Output = z.object({
  id,
  kind: ModelKind,
  mime: z.string(),
  bytes: z.number().int().nonnegative(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  durationS: z.number().positive().optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Output = z.infer<typeof Output>;

export const Generation = z.object({
  id,
  tool: ToolId,
  modelId: id,
  prompt: z.string(),
  settings: GenerationSettings,
  workflow: z.boolean().optional(),
  status: GenerationStatus,
  lane: Lane,
  /** True when it ran inside an unlimited window (U1), at no cost. */
  unlimited: z.boolean().optional(),
  queuePosition: z.number().int().nonnegative().optional(),
  etaS: z.number().nonnegative().optional(),
  charge: z.object({
    credits: amount.nonnegative(),
    generations: amount.nonnegative(),
    draws: z.array(Draw),
    refunded: z.boolean(),
  }),
  outputs: z.array(Output),
  error: z.string().optional(),
  workspaceIds: z.array(id).optional(),
  createdAt: isoTime,
  startedAt: isoTime.optional(),
  finishedAt: isoTime.optional(),
});
export type Generation = z.infer<typeof Generation>;

export const Upload = z.object({
  id,
  mime: z.enum(['image/png', 'image/jpeg', 'image/webp']),
  bytes: z.number().int().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Upload = z.infer<typeof Upload>;

export const EnhanceRequest = z.object({ prompt: z.string().min(1).max(4000), tool: ToolId.optional() });
export const EnhanceResponse = z.object({ prompt: z.string() });

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(500).optional(),
});

export const GenerationQuery = PageQuery.extend({
  tool: ToolId.optional(),
  modelId: id.optional(),
  status: GenerationStatus.optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  q: z.string().max(500).optional(),
  workspaceId: id.optional(),
});
export type GenerationQuery = z.infer<typeof GenerationQuery>;
export const GenerationPage = pageOf(Generation);

// ---- workspaces ----------------------------------------------------------------------------------------------
export const Workspace = z.object({
  id,
  name: z.string().min(1).max(200),
  generationIds: z.array(id),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type Workspace = z.infer<typeof Workspace>;
export const WorkspaceCreate = z.object({ name: z.string().trim().min(1).max(200) });
export const WorkspaceUpdate = z.object({ name: z.string().trim().min(1).max(200) });
export const WorkspaceItemAdd = z.object({ generationId: id });
export const WorkspacePage = pageOf(Workspace);

// ---- sync ----------------------------------------------------------------------------------------------------
export const SyncChange = z.object({
  kind: z.enum(['generation', 'workspace', 'balance']),
  id,
  op: z.enum(['upsert', 'delete']),
  data: z.unknown(),
});
export type SyncChange = z.infer<typeof SyncChange>;
export const SyncQuery = z.object({
  since: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export const SyncResponse = z.object({ changes: z.array(SyncChange), cursor: z.string(), more: z.boolean() });
export type SyncResponse = z.infer<typeof SyncResponse>;

// ---- queue ---------------------------------------------------------------------------------------------------
const LaneStatus = z.object({
  waiting: amount.nonnegative(),
  running: amount.nonnegative(),
  etaS: z.number().nonnegative(),
});
export const QueueStatus = z.object({
  lanes: z.object({ fast: LaneStatus, relaxed: LaneStatus, system: LaneStatus, standard: LaneStatus.optional() }),
  mine: z.array(
    z.object({ generationId: id, lane: Lane, position: amount.nonnegative(), etaS: z.number().nonnegative() }),
  ),
});
export type QueueStatus = z.infer<typeof QueueStatus>;

// ---- usage and ledger ----------------------------------------------------------------------------------------
export const UsageQuery = z.object({
  from: isoTime.optional(),
  to: isoTime.optional(),
  groupBy: z.enum(['day', 'tool', 'model']).default('day'),
  tool: ToolId.optional(),
  modelId: id.optional(),
});
export type UsageQuery = z.infer<typeof UsageQuery>;
const UsageRow = z.object({ key: z.string(), credits: amount, generations: amount, count: amount.nonnegative() });
export const Usage = z.object({
  rows: z.array(UsageRow),
  totals: z.object({ credits: amount, generations: amount, count: amount.nonnegative() }),
});
export type Usage = z.infer<typeof Usage>;

export const LedgerKind = z.enum(['grant', 'debit', 'refund', 'expire', 'topup']);
export const LedgerEntry = z.object({
  id,
  at: isoTime,
  kind: LedgerKind,
  balance: BalanceName,
  amount,
  after: amount,
  generationId: id.optional(),
  reason: z.string(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;
export const LedgerPage = pageOf(LedgerEntry);

// ---- fair use ------------------------------------------------------------------------------------------------
export const AppealRequest = z.object({ message: z.string().trim().min(1).max(4000) });
export const Appeal = z.object({
  id,
  accountId: id,
  message: z.string(),
  status: z.enum(['open', 'restored', 'upheld']),
  pauseReason: z.string(),
  createdAt: isoTime,
  decidedAt: isoTime.optional(),
  decisionReason: z.string().optional(),
});
export type Appeal = z.infer<typeof Appeal>;
export const AppealPage = pageOf(Appeal);
export const AppealDecision = z.object({
  decision: z.enum(['restore', 'uphold']),
  reason: z.string().trim().min(1).max(4000),
});
export const FlagRequest = z.object({ reason: z.string().trim().min(1).max(4000) });

// ---- admin ---------------------------------------------------------------------------------------------------
export const AccountCreate = z.object({
  name: z.string().trim().min(1).max(200),
  timeZone: timeZone.default('UTC'),
  planId: id.optional(),
});
export type AccountCreate = z.input<typeof AccountCreate>;
export const AccountCreated = z.object({ account: Me, token: z.string().min(20) });
export type AccountCreated = z.infer<typeof AccountCreated>;

export const ClockMove = z.union([
  z.object({ now: isoTime }).strict(),
  z
    .object({
      advanceS: z
        .number()
        .positive()
        .max(10 * 365 * 86_400),
    })
    .strict(),
]);
export type ClockMove = z.infer<typeof ClockMove>;
export const ClockState = z.object({ now: isoTime });

/** An account as an operator lists it (GET /v1/admin/accounts), oldest first. */
export const AdminAccount = z.object({
  id,
  name: z.string(),
  timeZone: z.string(),
  planId: id,
  status: AccountStatus,
  createdAt: isoTime,
});
export type AdminAccount = z.infer<typeof AdminAccount>;
export const AdminAccountPage = pageOf(AdminAccount);
/** A token is shown once, when it is issued; afterwards it is named by its id, the start of its SHA-256 in hex. */
export const TokenIssued = z.object({
  accountId: id,
  tokenId: z.string().regex(/^[0-9a-f]{16}$/),
  token: z.string().min(20),
});
export type TokenIssued = z.infer<typeof TokenIssued>;
export const TokenRevoked = z.object({ tokenId: z.string(), revoked: z.literal(true) });
export const TopupGrant = z.object({
  credits: z.number().int().min(1).max(1_000_000),
  reason: z.string().trim().min(1).max(500).optional(),
});

export const Health = z.object({ status: z.literal('ok'), version: z.string() });
/** GET /v1/ready: the database answers, its migrations are current, the data folder takes writes (503 not_ready otherwise). */
export const Ready = z.object({
  status: z.literal('ready'),
  checks: z.object({ database: z.literal('ok'), migrations: z.literal('ok'), storage: z.literal('ok') }),
});
export type Ready = z.infer<typeof Ready>;

// ---- server-sent events --------------------------------------------------------------------------------------
export const QueueEvent = QueueStatus;
export const AccountEvent = Me;
export const ServerEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('balance'), data: Balance }),
  z.object({ type: z.literal('generation'), data: Generation }),
  z.object({ type: z.literal('queue'), data: QueueStatus }),
  z.object({ type: z.literal('account'), data: Me }),
]);
export type ServerEvent = z.infer<typeof ServerEvent>;
export type ServerEventType = ServerEvent['type'];
