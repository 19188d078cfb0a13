import { lazy, Suspense, useEffect, type ComponentType } from 'react';
import { useAppliedTheme } from '../hooks/useAppliedTheme.js';
import { useBridgeEvents } from '../hooks/useBridgeEvents.js';
import { useShortcuts } from '../hooks/useShortcuts.js';
import { selectAccounts, selectLoad, selectSnapshot, selectTheme, useHostStore } from '../store/host/store.js';
import { selectNavigations, selectView, useUiStore, type ViewId } from '../store/ui/store.js';
import { AccountsView } from '../views/accounts/AccountsView.js';
import { Dashboard } from '../views/dashboard/Dashboard.js';
import { GenerateView } from '../views/generate/GenerateView.js';
import { QueueView } from '../views/queue/QueueView.js';
import { SettingsView } from '../views/settings/SettingsView.js';
import { BridgeUnavailable } from '../views/states/BridgeUnavailable.js';
import { EmptyState } from '../views/states/EmptyState.js';
import { LoadingState } from '../views/states/LoadingState.js';
import { AppShell } from './AppShell.js';

// The history, workspaces, analytics (charts), estimator and plan views load on first use: the dashboard, which every start
// opens, does not wait for their code.
const HistoryView = lazy(() => import('../views/history/HistoryView.js').then((m) => ({ default: m.HistoryView })));
const WorkspacesView = lazy(() =>
  import('../views/workspaces/WorkspacesView.js').then((m) => ({ default: m.WorkspacesView })),
);
const AnalyticsView = lazy(() =>
  import('../views/analytics/AnalyticsView.js').then((m) => ({ default: m.AnalyticsView })),
);
const PlanView = lazy(() => import('../views/plan/PlanView.js').then((m) => ({ default: m.PlanView })));
const EstimatorView = lazy(() =>
  import('../views/estimator/EstimatorView.js').then((m) => ({ default: m.EstimatorView })),
);

const viewComponents: Record<ViewId, ComponentType> = {
  dashboard: Dashboard,
  generate: GenerateView,
  queue: QueueView,
  history: HistoryView,
  workspaces: WorkspacesView,
  analytics: AnalyticsView,
  estimator: EstimatorView,
  accounts: AccountsView,
  settings: SettingsView,
  plan: PlanView,
};

/** Views that work with no account: where one signs in, and the app's own settings. */
const worksWithoutAccount: ReadonlySet<ViewId> = new Set(['accounts', 'settings']);

export function App() {
  useBridgeEvents();
  useShortcuts();
  useAppliedTheme(useHostStore(selectTheme));
  useFocusOnNavigate();
  return (
    <AppShell>
      <CurrentView />
    </AppShell>
  );
}

/**
 * After the user navigates, focus moves to the new view's heading, so a screen reader announces where they are and the
 * next Tab starts in the view (not back in the navigation). The first view on start-up keeps the focus where it is.
 */
function useFocusOnNavigate(): void {
  const navigations = useUiStore(selectNavigations);
  const view = useUiStore(selectView);
  useEffect(() => {
    if (navigations === 0) return;
    let frame = 0;
    let tries = 0;
    const focusHeading = () => {
      // A view whose code is still loading shows the loading state: wait (a few frames at most) for its heading.
      const loading = document.querySelector('#main [data-testid="loading"]');
      const heading = loading ? null : document.querySelector<HTMLElement>('#main h1');
      if (!heading && tries++ < 120) {
        frame = window.requestAnimationFrame(focusHeading);
        return;
      }
      const target = heading ?? document.getElementById('main');
      if (target === null) return;
      if (target.tabIndex < 0 && !target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
      target.focus({ preventScroll: false });
    };
    frame = window.requestAnimationFrame(focusHeading);
    return () => window.cancelAnimationFrame(frame);
  }, [navigations, view]);
}

/** Until the host has answered once (or when it has accounts to show), the shell shows a state instead of a view. */
function CurrentView() {
  const snapshot = useHostStore(selectSnapshot);
  const load = useHostStore(selectLoad);
  const accounts = useHostStore(selectAccounts);
  const view = useUiStore(selectView);

  if (snapshot === null) {
    return load.status === 'failed' ? <BridgeUnavailable error={load.error} /> : <LoadingState />;
  }
  if (accounts.length === 0 && !worksWithoutAccount.has(view)) return <EmptyState />;
  const View = viewComponents[view];
  return (
    <Suspense fallback={<LoadingState />}>
      <View />
    </Suspense>
  );
}
