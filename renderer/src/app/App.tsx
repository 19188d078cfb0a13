import type { ComponentType } from 'react';
import { useAppliedTheme } from '../hooks/useAppliedTheme.js';
import { useBridgeEvents } from '../hooks/useBridgeEvents.js';
import { selectAccounts, selectLoad, selectSnapshot, selectTheme, useHostStore } from '../store/host/store.js';
import { selectView, useUiStore, type ViewId } from '../store/ui/store.js';
import { Dashboard } from '../views/dashboard/Dashboard.js';
import { BridgeUnavailable } from '../views/states/BridgeUnavailable.js';
import { EmptyState } from '../views/states/EmptyState.js';
import { LoadingState } from '../views/states/LoadingState.js';
import { AppShell } from './AppShell.js';

const viewComponents: Record<ViewId, ComponentType> = {
  dashboard: Dashboard,
};

export function App() {
  useBridgeEvents();
  useAppliedTheme(useHostStore(selectTheme));
  return (
    <AppShell>
      <CurrentView />
    </AppShell>
  );
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
  if (accounts.length === 0) return <EmptyState />;
  const View = viewComponents[view];
  return <View />;
}
