import { useState, type FormEvent } from 'react';
import { Theme, type HostSnapshot, type Settings } from '../../../../shared/bridge.js';
import {
  notificationPermission,
  requestNotificationPermission,
  type NotificationPermissionState,
} from '../../alerts/browserNotifications.js';
import { formatGiB } from '../../format.js';
import { selectPlatform, selectSettings, selectTheme, useHostStore } from '../../store/host/store.js';
import { useUiStore, viewShortcuts } from '../../store/ui/store.js';

const DEFAULT_THRESHOLDS = [75, 90, 100];
const GIB = 1024 ** 3;
const themeWords: Record<Theme, string> = { system: 'System (follow the computer)', light: 'Light', dark: 'Dark' };

/** The app's settings, each saved by the host as soon as it changes (there is no Save-all to forget). */
export function SettingsView() {
  const settings = useHostStore(selectSettings);
  const platform = useHostStore(selectPlatform);

  return (
    <section className="view settings-view" aria-labelledby="settings-heading">
      <h1 id="settings-heading" className="view-title">
        Settings
      </h1>
      {settings === null || platform === null ? (
        <p className="muted" role="status">
          Loading settings…
        </p>
      ) : (
        <div className="settings-grid">
          <AppearanceSettings />
          <AlertSettings settings={settings} platform={platform} />
          <StartupSettings settings={settings} platform={platform} />
          <StorageSettings settings={settings} />
          <ShortcutList />
          <AccountsLink />
        </div>
      )}
    </section>
  );
}

/** The outcome of the last change made in one settings card. */
function useSaveState() {
  const [state, setState] = useState<
    { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'failed'; message: string }
  >({ kind: 'idle' });
  const updateSettings = useHostStore((store) => store.updateSettings);
  async function save(changes: Parameters<typeof updateSettings>[0]) {
    setState({ kind: 'saving' });
    const error = await updateSettings(changes);
    setState(error === null ? { kind: 'saved' } : { kind: 'failed', message: error.message });
  }
  const note =
    state.kind === 'saving' ? (
      <p className="muted small" role="status">
        Saving…
      </p>
    ) : state.kind === 'saved' ? (
      <p className="muted small" role="status" data-testid="settings-saved">
        Saved.
      </p>
    ) : state.kind === 'failed' ? (
      <p className="notice notice--error" role="alert" data-testid="settings-error">
        Couldn’t save: {state.message}
      </p>
    ) : null;
  return { save, note, saving: state.kind === 'saving' };
}

function AppearanceSettings() {
  const theme = useHostStore(selectTheme);
  const setTheme = useHostStore((state) => state.setTheme);
  return (
    <section className="card settings-card" aria-labelledby="appearance-heading">
      <h2 id="appearance-heading">Appearance</h2>
      <fieldset className="fieldset">
        <legend className="field-label">Theme</legend>
        {Theme.options.map((option) => (
          <label key={option} className="radio">
            <input
              type="radio"
              name="settings-theme"
              value={option}
              checked={theme === option}
              data-testid={`settings-theme-${option}`}
              onChange={() => void setTheme(option)}
            />
            {themeWords[option]}
          </label>
        ))}
      </fieldset>
    </section>
  );
}

/**
 * A checkbox whose value the host keeps: it shows the new value at once while the host saves it, and the host's value
 * again once the answer (or a refusal) is in.
 */
function useHostCheckbox(hostValue: boolean, save: (value: boolean) => Promise<void>) {
  const [pending, setPending] = useState<boolean | null>(null);
  return {
    checked: pending ?? hostValue,
    onChange: (value: boolean) => {
      setPending(value);
      void save(value).finally(() => setPending(null));
    },
  };
}

function AlertSettings({ settings, platform }: { settings: Settings; platform: HostSnapshot['platform'] }) {
  const { save, note, saving } = useSaveState();
  const alertsEnabled = useHostCheckbox(settings.alertsEnabled, (value) => save({ alertsEnabled: value }));
  const [newThreshold, setNewThreshold] = useState('');
  const [inputError, setInputError] = useState<string | null>(null);
  const thresholds = [...settings.alertThresholds].sort((a, b) => a - b);

  function add(event: FormEvent) {
    event.preventDefault();
    const value = Number(newThreshold.trim());
    if (!Number.isInteger(value) || value < 1 || value > 100) {
      setInputError('A threshold is a whole percent from 1 to 100.');
      return;
    }
    if (thresholds.includes(value)) {
      setInputError(`${value} % is already in the list.`);
      return;
    }
    if (thresholds.length >= 10) {
      setInputError('At most 10 thresholds.');
      return;
    }
    setInputError(null);
    setNewThreshold('');
    void save({ alertThresholds: [...thresholds, value].sort((a, b) => a - b) });
  }

  return (
    <section className="card settings-card" aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">Alerts</h2>
      <label className="checkbox">
        <input
          type="checkbox"
          data-testid="settings-alerts-enabled"
          checked={alertsEnabled.checked}
          onChange={(event) => alertsEnabled.onChange(event.target.checked)}
        />
        Alert me when a balance runs low, an unlimited window ends or a generation finishes
      </label>
      <div className="stack-field">
        <span className="field-label" id="thresholds-label">
          Balance thresholds (percent used)
        </span>
        {thresholds.length === 0 ? (
          <p className="muted small">No thresholds: no low-balance alerts.</p>
        ) : (
          <ul className="chips" aria-labelledby="thresholds-label" data-testid="settings-thresholds">
            {thresholds.map((threshold) => (
              <li key={threshold} className="chip">
                <span data-testid="threshold-value">{threshold} %</span>
                <button
                  type="button"
                  className="chip-remove"
                  disabled={saving}
                  onClick={() => void save({ alertThresholds: thresholds.filter((value) => value !== threshold) })}
                >
                  <span aria-hidden="true">×</span>
                  <span className="visually-hidden">Remove the {threshold} % threshold</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <form className="inline-form" onSubmit={add}>
          <label className="stack-field stack-field--inline">
            <span className="field-label">Add a threshold</span>
            <span className="input-with-unit">
              <input
                className="input input--narrow"
                inputMode="numeric"
                data-testid="settings-threshold-input"
                value={newThreshold}
                aria-invalid={inputError !== null}
                aria-describedby={inputError !== null ? 'threshold-error' : undefined}
                onChange={(event) => setNewThreshold(event.target.value)}
              />
              <span className="unit">%</span>
            </span>
          </label>
          <button type="submit" className="button button--small" data-testid="settings-threshold-add" disabled={saving}>
            Add
          </button>
          <button
            type="button"
            className="button button--small button--quiet"
            disabled={saving}
            onClick={() => void save({ alertThresholds: DEFAULT_THRESHOLDS })}
          >
            Reset to 75, 90, 100 %
          </button>
        </form>
        {inputError !== null && (
          <p id="threshold-error" className="error-text" role="alert">
            {inputError}
          </p>
        )}
      </div>
      {platform.kind === 'web' ? (
        <BrowserNotifications />
      ) : (
        <p className="muted small">Alerts also appear as system notifications.</p>
      )}
      {note}
    </section>
  );
}

const permissionWords: Record<NotificationPermissionState, string> = {
  granted: 'Desktop notifications are allowed: alerts also appear outside this tab.',
  denied:
    'This browser blocks notifications for this page; change it in the browser’s site settings. Alerts still show here.',
  default: 'Alerts show inside the app. Allow desktop notifications to see them when this tab is in the background.',
  unsupported: 'This browser has no desktop notifications; alerts show inside the app.',
};

/** Web mode: the browser's notifications, asked for once, by the user's own click. */
function BrowserNotifications() {
  const [permission, setPermission] = useState<NotificationPermissionState>(() => notificationPermission());
  return (
    <div className="stack-field" data-testid="browser-notifications">
      <p className="small" data-testid="notification-permission">
        {permissionWords[permission]}
      </p>
      {permission === 'default' && (
        <button
          type="button"
          className="button button--small"
          data-testid="allow-notifications"
          onClick={() => void requestNotificationPermission().then(setPermission)}
        >
          Allow desktop notifications
        </button>
      )}
    </div>
  );
}

function StartupSettings({ settings, platform }: { settings: Settings; platform: HostSnapshot['platform'] }) {
  const { save, note, saving } = useSaveState();
  const startAtLogin = useHostCheckbox(settings.startAtLogin, (value) => save({ startAtLogin: value }));
  const closeToTray = useHostCheckbox(settings.closeToTray, (value) => save({ closeToTray: value }));
  const web = platform.kind === 'web';
  return (
    <section className="card settings-card" aria-labelledby="startup-heading">
      <h2 id="startup-heading">Start-up and tray</h2>
      <label className="checkbox">
        <input
          type="checkbox"
          data-testid="settings-start-at-login"
          checked={startAtLogin.checked}
          disabled={!platform.startAtLogin || saving}
          aria-describedby={!platform.startAtLogin ? 'start-at-login-why' : undefined}
          onChange={(event) => startAtLogin.onChange(event.target.checked)}
        />
        Start Creator Companion when I log in
      </label>
      {!platform.startAtLogin && (
        <p id="start-at-login-why" className="muted small">
          {web
            ? 'Not available in web mode: the browser cannot start the app. The setting applies to the desktop app.'
            : 'Not available on this system.'}
        </p>
      )}
      <label className="checkbox">
        <input
          type="checkbox"
          data-testid="settings-close-to-tray"
          checked={closeToTray.checked}
          disabled={!platform.tray || saving}
          aria-describedby={!platform.tray ? 'tray-why' : undefined}
          onChange={(event) => closeToTray.onChange(event.target.checked)}
        />
        Keep running in the tray when the window closes
      </label>
      {!platform.tray && (
        <p id="tray-why" className="muted small">
          {web
            ? 'Not available in web mode: there is no tray; the app runs as long as its web server does. The setting applies to the desktop app.'
            : 'This system has no tray.'}
        </p>
      )}
      {note}
    </section>
  );
}

function StorageSettings({ settings }: { settings: Settings }) {
  const { save, note, saving } = useSaveState();
  const [limit, setLimit] = useState(() => String(Math.round((settings.cacheLimitBytes / GIB) * 10) / 10));
  const [error, setError] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    const gib = Number(limit.trim().replace(',', '.'));
    if (!Number.isFinite(gib) || gib < 0.1 || gib > 1024) {
      setError('Enter a size from 0.1 to 1,024 GiB.');
      return;
    }
    setError(null);
    void save({ cacheLimitBytes: Math.round(gib * GIB) });
  }

  return (
    <section className="card settings-card" aria-labelledby="storage-heading">
      <h2 id="storage-heading">Storage</h2>
      <form className="inline-form" onSubmit={submit}>
        <label className="stack-field stack-field--inline">
          <span className="field-label">Output cache limit</span>
          <span className="input-with-unit">
            <input
              className="input input--narrow"
              inputMode="decimal"
              data-testid="settings-cache-limit"
              value={limit}
              aria-invalid={error !== null}
              aria-describedby="cache-limit-hint"
              onChange={(event) => setLimit(event.target.value)}
            />
            <span className="unit">GiB</span>
          </span>
        </label>
        <button type="submit" className="button button--small" data-testid="settings-cache-save" disabled={saving}>
          Save
        </button>
      </form>
      <p id="cache-limit-hint" className="muted small">
        Now {formatGiB(settings.cacheLimitBytes)}. Downloaded outputs beyond it are removed, oldest first; pinned ones
        stay.
      </p>
      {error !== null && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="stack-field">
        <span className="field-label" id="data-folder-label">
          Data folder
        </span>
        <code className="path" aria-labelledby="data-folder-label" data-testid="settings-data-folder">
          {settings.dataFolder}
        </code>
        <span className="muted small">
          Settings, history, cached outputs and (encrypted where possible) tokens live here.
        </span>
      </div>
      {note}
    </section>
  );
}

function ShortcutList() {
  return (
    <section className="card settings-card" aria-labelledby="shortcuts-heading">
      <h2 id="shortcuts-heading">Keyboard shortcuts</h2>
      <table className="table table--compact" data-testid="shortcut-list">
        <caption className="visually-hidden">Keyboard shortcuts to open each view</caption>
        <thead>
          <tr>
            <th scope="col">Open</th>
            <th scope="col">Keys</th>
            <th scope="col">Or</th>
          </tr>
        </thead>
        <tbody>
          {viewShortcuts.map((shortcut) => (
            <tr key={shortcut.id}>
              <th scope="row">{shortcut.label}</th>
              <td>
                <kbd>{shortcut.alt}</kbd>
              </td>
              <td>
                <kbd>g</kbd> then <kbd>{shortcut.sequence.slice(-1)}</kbd>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        Tab and Shift+Tab move between controls; Enter or Space uses them; Escape closes a dialog.
      </p>
    </section>
  );
}

function AccountsLink() {
  const navigate = useUiStore((state) => state.navigate);
  return (
    <section className="card settings-card" aria-labelledby="settings-accounts-heading">
      <h2 id="settings-accounts-heading">Accounts</h2>
      <p className="muted">Sign in to another backend, switch accounts or remove one.</p>
      <button
        type="button"
        className="button button--small"
        data-testid="settings-accounts-link"
        onClick={() => navigate('accounts')}
      >
        Manage accounts
      </button>
    </section>
  );
}
