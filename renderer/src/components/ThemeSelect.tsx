import { Theme } from '../../../shared/bridge.js';
import { selectTheme, useHostStore } from '../store/host/store.js';

const themeLabels: Record<Theme, string> = { system: 'System', light: 'Light', dark: 'Dark' };

export function ThemeSelect() {
  const theme = useHostStore(selectTheme);
  const setTheme = useHostStore((state) => state.setTheme);

  return (
    <label className="field">
      <span className="field-label">Theme</span>
      <select
        className="select"
        data-testid="theme-select"
        value={theme}
        onChange={(event) => {
          const chosen = Theme.safeParse(event.target.value);
          if (chosen.success) void setTheme(chosen.data);
        }}
      >
        {Theme.options.map((option) => (
          <option key={option} value={option}>
            {themeLabels[option]}
          </option>
        ))}
      </select>
    </label>
  );
}
