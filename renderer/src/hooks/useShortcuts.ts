import { useEffect } from 'react';
import { useUiStore, viewForDigit, viewForLetter } from '../store/ui/store.js';

/** How long after "g" the second key still counts. */
const SEQUENCE_MS = 1500;

/** Keys typed into a field belong to the field, not to the shortcuts. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(type);
}

/**
 * The app's keyboard shortcuts: Alt+1…9 and Alt+0 open the views in navigation order, and "g" then a letter opens a view by
 * name (g d Dashboard, g n Generate, …; the list is in Settings). Mount once.
 */
export function useShortcuts(): void {
  useEffect(() => {
    let gPressedAt = 0;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey) return;
      const { navigate } = useUiStore.getState();
      if (event.altKey && !event.shiftKey) {
        // event.code, not event.key: Alt+digit types other characters on some layouts (macOS: Alt+1 is "¡").
        const digit = /^Digit([0-9])$/.exec(event.code)?.[1];
        const view = digit === undefined ? null : viewForDigit(digit);
        if (view !== null) {
          event.preventDefault();
          navigate(view);
        }
        return;
      }
      if (event.altKey || isTyping(event.target)) return;
      const key = event.key.toLowerCase();
      if (gPressedAt > 0 && event.timeStamp - gPressedAt < SEQUENCE_MS) {
        gPressedAt = 0;
        const view = viewForLetter(key);
        if (view !== null) {
          event.preventDefault();
          navigate(view);
        }
        return;
      }
      gPressedAt = key === 'g' && !event.shiftKey ? event.timeStamp : 0;
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
