import type { CostEstimate, GenerationStatus, ToolId } from '../../../../../../shared/api.js';
import type { BridgeError, HistoryItem, HistoryQuery } from '../../../../../../shared/bridge.js';

/** Items asked of the host per searchHistory call (the bridge allows up to 500). */
export const HISTORY_PAGE_SIZE = 100;
/** Result sets kept in memory at once (the history's filters, a workspace, …); the least recently used goes first. */
export const MAX_CACHED_GRIDS = 4;
/** Pages kept per result set (20,000 items): past it, the pages farthest from the ones asked for are dropped. */
export const MAX_CACHED_PAGES = 200;

/** The History view's filters as the user set them: dates are local calendar days (YYYY-MM-DD) in the account's zone. */
export type HistoryFilters = {
  q: string;
  tool: ToolId | '';
  modelId: string;
  status: GenerationStatus | '';
  from: string;
  to: string;
  workspaceId: string;
};

export const noHistoryFilters: HistoryFilters = {
  q: '',
  tool: '',
  modelId: '',
  status: '',
  from: '',
  to: '',
  workspaceId: '',
};

/** What a grid shows: a history query without its paging. */
export type GridQuery = Omit<HistoryQuery, 'offset' | 'limit'>;

export type PageEntry = {
  status: 'loading' | 'ready' | 'error';
  items: HistoryItem[];
  /** The grid version the items were fetched for: older than the grid's, they are shown while being fetched again. */
  version: number;
  error: BridgeError | null;
  /** Items whose outputs are not all on this computer (H2), counted once when the page arrives. */
  uncached: number;
};

/** One result set, fetched page by page as the user scrolls. */
export type GridCache = {
  query: GridQuery;
  /** From the host's last answer; null before the first one. */
  total: number | null;
  pages: Record<number, PageEntry>;
  /** Bumped when the history changed (a sync, a new generation): visible pages are then fetched again. */
  version: number;
  /** The first page's error, when nothing could be shown. */
  error: BridgeError | null;
};

export type DetailAction = 'pin' | 'rerun' | 'download' | 'workspace';

export type DetailState = {
  /** The generation shown in the detail panel, null when it is closed. */
  item: HistoryItem | null;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: BridgeError | null;
  pending: DetailAction | null;
  /** The outcome of the last action, for a polite live region. */
  message: string | null;
  actionError: BridgeError | null;
  /**
   * C9: a re-run's current price, asked for when Re-run is pressed and shown in its confirmation; null while no
   * confirmation is open. The generation's own charge is what the first run cost, not what a re-run costs now.
   */
  rerunQuote: RerunQuote | null;
};

export type RerunQuote =
  { status: 'loading' } | { status: 'ready'; estimate: CostEstimate } | { status: 'failed'; error: BridgeError };

export const closedDetail: DetailState = {
  item: null,
  status: 'idle',
  error: null,
  pending: null,
  message: null,
  actionError: null,
  rerunQuote: null,
};

export type BrowseState = {
  filters: HistoryFilters;
  grids: Record<string, GridCache>;
  detail: DetailState;
};

export const initialBrowseState: BrowseState = {
  filters: noHistoryFilters,
  grids: {},
  detail: closedDetail,
};
