import type { StateCreator } from 'zustand';
import type { Catalog } from '../../../../../../shared/api.js';
import {
  DEFAULT_WORKING_DAYS,
  clampBufferPercent,
  rowsFromRecentUse,
  workedExampleRows,
  type EstimatorRow,
} from '../../../../../../shared/estimator.js';
import { companion } from '../../../../bridge/companion.js';
import type { HistoryStore } from '../../store.js';

/** The user's own use over this many days is what "Start from my last 30 days" projects (E2). */
export const RECENT_USE_DAYS = 30;

export type EstimatorAction = {
  addEstimatorRow: (catalog: Catalog) => void;
  updateEstimatorRow: (key: string, patch: Partial<EstimatorRow>) => void;
  removeEstimatorRow: (key: string) => void;
  setBufferPercent: (percent: number) => void;
  useWorkedExample: () => void;
  startFromRecentUse: (accountId: string, catalog: Catalog) => Promise<void>;
};

export const createEstimatorSlice: StateCreator<HistoryStore, [], [], EstimatorAction> = (set, get) => {
  function keyed(rows: EstimatorRow[]): Pick<HistoryStore, 'estimatorRows' | 'rowSeq'> {
    let seq = get().rowSeq;
    const estimatorRows = rows.map((row) => {
      seq += 1;
      return { ...row, key: `row-${seq}` };
    });
    return { estimatorRows, rowSeq: seq };
  }

  return {
    addEstimatorRow(catalog) {
      const model = catalog.models.find((m) => !m.pro) ?? catalog.models[0];
      if (!model) return;
      const row: EstimatorRow = {
        modelId: model.id,
        tool: model.tool,
        settings:
          model.kind === 'image'
            ? { outputs: 1, quality: 'standard' }
            : {
                outputs: 1,
                quality: 'standard',
                durationS: Number(Object.keys(catalog.multipliers.durationS[model.kind])[0]),
              },
        uses: 1,
        per: 'day',
        workingDays: DEFAULT_WORKING_DAYS,
      };
      const seq = get().rowSeq + 1;
      set((state) => ({
        estimatorRows: [...state.estimatorRows, { ...row, key: `row-${seq}` }],
        rowSeq: seq,
        rowsSource: 'edited',
      }));
    },

    updateEstimatorRow: (key, patch) =>
      set((state) => ({
        estimatorRows: state.estimatorRows.map((row) => (row.key === key ? { ...row, ...patch } : row)),
        rowsSource: 'edited',
      })),

    removeEstimatorRow: (key) =>
      set((state) => ({ estimatorRows: state.estimatorRows.filter((row) => row.key !== key), rowsSource: 'edited' })),

    setBufferPercent: (percent) => set({ bufferPercent: clampBufferPercent(percent) }),

    useWorkedExample: () =>
      set({
        ...keyed(workedExampleRows()),
        rowsSource: 'example',
        recentUse: { status: 'idle', error: null, message: null },
      }),

    async startFromRecentUse(accountId, catalog) {
      set({ recentUse: { status: 'loading', error: null, message: null } });
      const result = await companion().recentUseByModel({ accountId, days: RECENT_USE_DAYS });
      if (!result.ok) {
        set({ recentUse: { status: 'error', error: result.error, message: null } });
        return;
      }
      const rows = rowsFromRecentUse(catalog, result.value, RECENT_USE_DAYS);
      if (rows.length === 0) {
        set({
          recentUse: {
            status: 'ready',
            error: null,
            message: `No generations in the last ${RECENT_USE_DAYS} days: the rows are unchanged.`,
          },
        });
        return;
      }
      const actions = rows.reduce((sum, row) => sum + row.uses, 0);
      // A model used with several settings gives a row for each: the message counts models.
      const models = new Set(rows.map((row) => row.modelId)).size;
      set({
        ...keyed(rows),
        rowsSource: 'recent',
        recentUse: {
          status: 'ready',
          error: null,
          message: `Filled from your last ${RECENT_USE_DAYS} days: ${actions.toLocaleString('en-US')} Generate actions on ${models} ${models === 1 ? 'model' : 'models'}.`,
        },
      });
    },
  };
};
