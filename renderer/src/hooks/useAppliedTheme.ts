import { useEffect } from 'react';
import type { Theme } from '../../../shared/bridge.js';

const DARK_QUERY = '(prefers-color-scheme: dark)';

/** Puts the theme on <html data-theme="light|dark">; `system` follows the OS setting, also when it changes. */
export function useAppliedTheme(theme: Theme): void {
  useEffect(() => {
    const root = document.documentElement;
    if (theme !== 'system') {
      root.dataset.theme = theme;
      return;
    }
    const query = window.matchMedia(DARK_QUERY);
    const apply = () => {
      root.dataset.theme = query.matches ? 'dark' : 'light';
    };
    apply();
    query.addEventListener('change', apply);
    return () => query.removeEventListener('change', apply);
  }, [theme]);
}
