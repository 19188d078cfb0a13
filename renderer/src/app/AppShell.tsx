import { useState, type KeyboardEvent, type ReactNode } from 'react';
import { AccountSwitcher } from '../components/AccountSwitcher.js';
import { CommandErrorNote } from '../components/CommandErrorNote.js';
import { FileNotices } from '../components/FileNotices.js';
import { ConnectionPill } from '../components/ConnectionPill.js';
import { PurchaseDialog } from '../components/PurchaseDialog.js';
import { SecretsNote } from '../components/SecretsNote.js';
import { ThemeSelect } from '../components/ThemeSelect.js';
import { Toasts } from '../components/Toasts.js';
import { selectView, useUiStore, viewShortcuts } from '../store/ui/store.js';

/**
 * The frame around every view: the sidebar (brand and navigation, with each view's shortcut), a top bar that always
 * shows the account switcher, the connection and the theme, the alerts under it, and the view itself in <main>. In a
 * narrow window the navigation folds behind a Menu button (styles.css shows the button only there), so the view starts
 * near the top instead of below three rows of links.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const current = useUiStore(selectView);
  const navigate = useUiStore((state) => state.navigate);
  const [menuOpen, setMenuOpen] = useState(false);
  const currentLabel = viewShortcuts.find((view) => view.id === current)?.label ?? '';

  function onNavKeyDown(event: KeyboardEvent<HTMLElement>) {
    if (event.key !== 'Escape' || !menuOpen) return;
    setMenuOpen(false);
    document.getElementById('nav-toggle')?.focus();
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Creator Companion</span>
          <button
            id="nav-toggle"
            type="button"
            className="button nav-toggle"
            aria-expanded={menuOpen}
            aria-controls="app-nav"
            onClick={() => setMenuOpen((open) => !open)}
          >
            Menu<span className="nav-toggle-current"> · {currentLabel}</span>
          </button>
        </div>
        <nav id="app-nav" className={`app-nav${menuOpen ? ' is-open' : ''}`} aria-label="Main" onKeyDown={onNavKeyDown}>
          <ul>
            {viewShortcuts.map((view) => (
              <li key={view.id}>
                <button
                  type="button"
                  className="nav-item"
                  data-testid={`nav-${view.id}`}
                  aria-current={view.id === current ? 'page' : undefined}
                  aria-keyshortcuts={view.alt}
                  onClick={() => {
                    setMenuOpen(false);
                    navigate(view.id);
                  }}
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
        <Toasts />
        <main id="main" className="app-main" tabIndex={-1}>
          <CommandErrorNote />
          <FileNotices />
          {children}
        </main>
        <footer className="app-footer">
          <SecretsNote />
        </footer>
      </div>
      <PurchaseDialog />
    </div>
  );
}
