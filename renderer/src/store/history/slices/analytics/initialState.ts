import type { ToolId, Usage, UsageQuery } from '../../../../../../shared/api.js';
import type { BridgeError, RefundAuditRow } from '../../../../../../shared/bridge.js';

export type UsageGroupBy = UsageQuery['groupBy'];
/** Which figure the chart shows: credits spent, plan generations used (G2), or Generate actions (refunded ones too). */
export type UsageSeries = 'credits' | 'generations' | 'count';

/** The Analytics view's filters: dates are local calendar days (YYYY-MM-DD) in the account's zone; empty = open. */
export type AnalyticsFilters = {
  groupBy: UsageGroupBy;
  from: string;
  to: string;
  tool: ToolId | '';
  modelId: string;
};

export type Loadable<T> = {
  /** The query (as a key) the data answers; a newer query's answer replaces it, an older one's is dropped. */
  key: string | null;
  status: 'idle' | 'loading' | 'ready' | 'error';
  data: T | null;
  error: BridgeError | null;
};

export type AnalyticsState = {
  /** null until the view sets its default range (the last 30 days in the account's zone). */
  analyticsFilters: AnalyticsFilters | null;
  series: UsageSeries;
  usage: Loadable<Usage>;
  refunds: Loadable<RefundAuditRow[]>;
};

const idle = { key: null, status: 'idle' as const, data: null, error: null };

export const initialAnalyticsState: AnalyticsState = {
  analyticsFilters: null,
  series: 'credits',
  usage: idle,
  refunds: idle,
};
