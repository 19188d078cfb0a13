import type { ChangeEvent } from 'react';
import { formatPickedDay } from '../format.js';

type DayInputProps = {
  value: string;
  min?: string;
  max?: string;
  onChange: (day: string) => void;
  testId: string;
  now: Date;
  zone: string;
};

/**
 * A local day picker that reads like the rest of the app: the browser's own date field (keyboard editing and its
 * calendar stay as they are), showing the chosen day as "Wed 2 Dec" (or "Any day") whenever it is not being edited,
 * instead of the browser's mm/dd/yyyy. While it has the focus, the field shows its editable parts.
 */
export function DayInput({ value, min, max, onChange, testId, now, zone }: DayInputProps) {
  return (
    <span className="day-input">
      <input
        className="input"
        type="date"
        value={value}
        min={min}
        max={max}
        onChange={(event: ChangeEvent<HTMLInputElement>) => onChange(event.target.value)}
        data-testid={testId}
      />
      <span className="day-input-shown" aria-hidden="true" data-testid={`${testId}-shown`}>
        {value === '' ? 'Any day' : formatPickedDay(value, now, zone)}
      </span>
    </span>
  );
}
