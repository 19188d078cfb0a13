import type { BridgeError } from '../../../../../../shared/bridge.js';
import { DEFAULT_BUFFER_PERCENT, workedExampleRows, type EstimatorRow } from '../../../../../../shared/estimator.js';

/** A row as the view edits it: the estimator's row and a stable key for React. */
export type EditableRow = EstimatorRow & { key: string };

export type EstimatorState = {
  estimatorRows: EditableRow[];
  bufferPercent: number;
  rowSeq: number;
  /** Where the rows came from, said above the table. */
  rowsSource: 'example' | 'recent' | 'edited';
  recentUse: { status: 'idle' | 'loading' | 'ready' | 'error'; error: BridgeError | null; message: string | null };
};

const example = workedExampleRows().map((row, index) => ({ ...row, key: `row-${index + 1}` }));

export const initialEstimatorState: EstimatorState = {
  estimatorRows: example,
  bufferPercent: DEFAULT_BUFFER_PERCENT,
  rowSeq: example.length,
  rowsSource: 'example',
  recentUse: { status: 'idle', error: null, message: null },
};
