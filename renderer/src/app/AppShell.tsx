import type { ReactNode } from 'react';
import { AccountSwitcher } from '../components/AccountSwitcher.js';
import { CommandErrorNote } from '../components/CommandErrorNote.js';
import { FileNotices } from '../components/FileNotices.js';
import { ConnectionPill } from '../components/ConnectionPill.js';
import { SecretsNote } from '../components/SecretsNote.js';
import { ThemeSelect } from '../components/ThemeSelect.js';
import { Toasts } from '../components/Toasts.js';
import { selectView, useUiStore, viewShortcuts } from '../store/ui/store.js';

/**
 * The frame around every view: the sidebar (brand and navigation, with each view's shortcut), a top bar that always
 * shows the account switcher, the connection and the theme, and the view itself in <main>. Toasts float above.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const current = useUiStore(selectView);
  const navigate = useUiStore((state) => state.navigate);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Creator Companion</span>
        </div>
        <nav className="app-nav" aria-label="Main">
          <ul>
            {viewShortcuts.map((view) => (
              <li key={view.id}>
                <button
                  type="button"
                  className="nav-item"
                  data-testid={`nav-${view.id}`}
                  aria-current={view.id === current ? 'page' : undefined}
                  aria-keyshortcuts={view.alt}
                  onClick={() => navigate(view.id)}
                >
                  <span>{view.label}</span>
                  <kbd className="nav-shortcut" aria-hidden="true">
                    {view.alt}
                  </kbd>
                </button>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <div className="app-body">
        <header className="topbar">
          <AccountSwitcher />
          <ConnectionPill />
          <div className="topbar-end">
            <ThemeSelect />
          </div>
        </header>
        <main id="main" className="app-main" tabIndex={-1}>
          <CommandErrorNote />
          <FileNotices />
          {children}
        </main>
        <footer className="app-footer">
          <SecretsNote />
        </footer>
      </div>
      <Toasts />
    </div>
  );
}
