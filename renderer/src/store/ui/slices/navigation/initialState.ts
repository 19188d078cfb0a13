/**
 * The app's views, in navigation order, each with its keyboard shortcuts: Alt+<digit> (its place in the list; the
 * tenth is Alt+0, as on the keyboard's number row) and "g" followed by its letter (as in many web apps), so that every
 * view is one shortcut away.
 */
export const views = [
  { id: 'dashboard', label: 'Dashboard', key: 'd' },
  { id: 'generate', label: 'Generate', key: 'n' },
  { id: 'queue', label: 'Queue', key: 'q' },
  { id: 'history', label: 'History', key: 'h' },
  { id: 'workspaces', label: 'Workspaces', key: 'w' },
  { id: 'analytics', label: 'Analytics', key: 'a' },
  { id: 'estimator', label: 'Estimator', key: 'e' },
  { id: 'accounts', label: 'Accounts', key: 'c' },
  { id: 'settings', label: 'Settings', key: 's' },
  { id: 'plan', label: 'Plan', key: 'p' },
] as const;

export type ViewId = (typeof views)[number]['id'];

export type NavigationState = {
  view: ViewId;
  /** Counts navigations, so the shell moves focus to the new view's content only after the user navigated. */
  navigations: number;
};

export const initialNavigationState: NavigationState = {
  view: 'dashboard',
  navigations: 0,
};
