import type { ReactNode } from 'react';
import { AccountSwitcher } from '../components/AccountSwitcher.js';
import { CommandErrorNote } from '../components/CommandErrorNote.js';
import { SecretsNote } from '../components/SecretsNote.js';
import { ThemeSelect } from '../components/ThemeSelect.js';
import { selectView, useUiStore, views } from '../store/ui/store.js';

/** The frame around every view: brand, navigation, account switcher and theme; the view itself goes in <main>. */
export function AppShell({ children }: { children: ReactNode }) {
  const current = useUiStore(selectView);
  const navigate = useUiStore((state) => state.navigate);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Creator Companion</span>
        </div>
        <nav className="app-nav" aria-label="Main">
          <ul>
            {views.map((view) => (
              <li key={view.id}>
                <button
                  type="button"
                  className="nav-item"
                  data-testid={`nav-${view.id}`}
                  aria-current={view.id === current ? 'page' : undefined}
                  onClick={() => navigate(view.id)}
                >
                  {view.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <div className="header-controls">
          <AccountSwitcher />
          <ThemeSelect />
        </div>
      </header>
      <main id="main" className="app-main" tabIndex={-1}>
        <CommandErrorNote />
        {children}
      </main>
      <footer className="app-footer">
        <SecretsNote />
      </footer>
    </div>
  );
}
