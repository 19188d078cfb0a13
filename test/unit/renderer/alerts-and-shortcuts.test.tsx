import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../shared/bridge.js';
import { markAlertShown, SHOWN_ALERTS_KEY } from '../../../renderer/src/alerts/shownAlerts.js';
import { keepToasts } from '../../../renderer/src/store/ui/slices/alerts/action.js';
import {
  viewForDigit,
  viewForLetter,
  viewShortcuts,
} from '../../../renderer/src/store/ui/slices/navigation/selectors.js';

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  } as Storage;
}

const alert = (id: string, kind: Alert['kind']): Alert => ({
  id,
  accountId: 'acc-1',
  kind,
  title: id,
  body: '',
  at: '2026-03-07T20:00:00.000Z',
});

describe('alerts: each one once', () => {
  it('shows an alert id once per tab, reloads included (sessionStorage)', () => {
    const storage = memoryStorage();
    expect(markAlertShown(storage, 'threshold:acc-1:free:75:2026-03-08')).toBe(true);
    expect(markAlertShown(storage, 'threshold:acc-1:free:75:2026-03-08')).toBe(false);
    expect(markAlertShown(storage, 'threshold:acc-1:free:90:2026-03-08')).toBe(true);
    expect(JSON.parse(storage.getItem(SHOWN_ALERTS_KEY) ?? '[]')).toHaveLength(2);
  });

  it('survives unreadable storage contents', () => {
    const storage = memoryStorage();
    storage.setItem(SHOWN_ALERTS_KEY, 'not json');
    expect(markAlertShown(storage, 'a')).toBe(true);
  });

  it('keeps one "result ready" toast, the newest, and makes room by dropping it before warnings', () => {
    const toasts = [
      alert('t1', 'threshold'),
      alert('g1', 'generation-finished'),
      alert('f1', 'fast-limit'),
      alert('g2', 'generation-finished'),
    ];
    expect(keepToasts(toasts, 4).map((toast) => toast.id)).toEqual(['t1', 'f1', 'g2']);
    expect(
      keepToasts([...toasts, alert('w1', 'window-ending'), alert('x1', 'fair-use')], 4).map((toast) => toast.id),
    ).toEqual(['t1', 'f1', 'w1', 'x1']);
    expect(
      keepToasts([alert('a', 'threshold'), alert('b', 'fair-use'), alert('c', 'threshold')], 2).map(
        (toast) => toast.id,
      ),
    ).toEqual(['b', 'c']);
  });
});

describe('keyboard shortcuts', () => {
  it('Alt+1..9 and Alt+0 open the views in navigation order', () => {
    expect(viewForDigit('1')).toBe('dashboard');
    expect(viewForDigit('2')).toBe('generate');
    expect(viewForDigit('9')).toBe('settings');
    expect(viewForDigit('0')).toBe('plan');
    expect(viewForDigit('x')).toBeNull();
    expect(viewForDigit('10')).toBeNull();
  });

  it('"g then letter" opens a view by name', () => {
    expect(viewForLetter('q')).toBe('queue');
    expect(viewForLetter('C')).toBe('accounts');
    expect(viewForLetter('z')).toBeNull();
  });

  it('lists one distinct shortcut pair per view', () => {
    expect(viewShortcuts).toHaveLength(10);
    expect(new Set(viewShortcuts.map((shortcut) => shortcut.sequence)).size).toBe(10);
    expect(new Set(viewShortcuts.map((shortcut) => shortcut.alt)).size).toBe(10);
    expect(viewShortcuts[7]).toEqual({ id: 'accounts', label: 'Accounts', alt: 'Alt+8', sequence: 'g then c' });
    expect(viewShortcuts[9]).toEqual({ id: 'plan', label: 'Plan', alt: 'Alt+0', sequence: 'g then p' });
  });
});
