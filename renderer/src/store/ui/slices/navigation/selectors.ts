import type { UiStore } from '../../store.js';
import { views, type ViewId } from './initialState.js';

export function selectView(state: UiStore): ViewId {
  return state.view;
}

export function selectNavigations(state: UiStore): number {
  return state.navigations;
}

/** The shortcuts of every view, for the navigation's hints and the Settings list. */
export type ViewShortcut = { id: ViewId; label: string; alt: string; sequence: string };

/** The digit of the view at `index`: 1…9, then 0 for the tenth. */
function digitAt(index: number): string {
  return String((index + 1) % 10);
}

export const viewShortcuts: ViewShortcut[] = views.map((view, index) => ({
  id: view.id,
  label: view.label,
  alt: `Alt+${digitAt(index)}`,
  sequence: `g then ${view.key}`,
}));

/** The view an Alt+<digit> press opens ("1" is the first view, "0" the tenth), or null. */
export function viewForDigit(digit: string): ViewId | null {
  if (!/^[0-9]$/.test(digit)) return null;
  const index = digit === '0' ? 9 : Number(digit) - 1;
  return views[index]?.id ?? null;
}

/** The view "g" then `letter` opens, or null. */
export function viewForLetter(letter: string): ViewId | null {
  return views.find((view) => view.key === letter.toLowerCase())?.id ?? null;
}
