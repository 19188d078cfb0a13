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

export const viewShortcuts: ViewShortcut[] = views.map((view, index) => ({
  id: view.id,
  label: view.label,
  alt: `Alt+${index + 1}`,
  sequence: `g then ${view.key}`,
}));

/** The view an Alt+<digit> press opens ("1" is the first view), or null. */
export function viewForDigit(digit: string): ViewId | null {
  const index = Number(digit) - 1;
  return Number.isInteger(index) && index >= 0 ? (views[index]?.id ?? null) : null;
}

/** The view "g" then `letter` opens, or null. */
export function viewForLetter(letter: string): ViewId | null {
  return views.find((view) => view.key === letter.toLowerCase())?.id ?? null;
}
