/** The app's views, in navigation order. Generate, Queue, History, Analytics and Settings join this list later. */
export const views = [{ id: 'dashboard', label: 'Dashboard' }] as const;

export type ViewId = (typeof views)[number]['id'];

export type NavigationState = {
  view: ViewId;
};

export const initialNavigationState: NavigationState = {
  view: 'dashboard',
};
