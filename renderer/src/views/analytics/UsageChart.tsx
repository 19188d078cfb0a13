/**
 * The usage bar chart (C10), the one file that knows recharts. It is a picture for sighted users: screen readers get
 * its one-line summary (role="img" with an aria-label), and the table under it holds the same figures.
 */
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import { formatCount } from '../../format.js';

export type ChartBar = { label: string; value: number };

type UsageChartProps = {
  bars: ChartBar[];
  /** What a bar's value counts: "credits", "generations", "requests". */
  unit: string;
  /** The summary read out instead of the picture. */
  summary: string;
};

function BarTooltip({
  active,
  payload,
  label,
  unit,
}: Pick<TooltipContentProps, 'active' | 'payload' | 'label'> & { unit: string }) {
  const value = payload[0]?.value;
  if (!active || typeof value !== 'number') return null;
  return (
    <div className="chart-tooltip">
      <strong>{label}</strong>
      <span>
        {formatCount(value)} {unit}
      </span>
    </div>
  );
}

export function UsageChart({ bars, unit, summary }: UsageChartProps) {
  return (
    <div className="usage-chart" role="img" aria-label={summary} data-testid="usage-chart" data-bars={bars.length}>
      <BarChart
        responsive
        style={{ width: '100%', height: 300 }}
        data={bars}
        margin={{ top: 12, right: 12, bottom: 4, left: 4 }}
        accessibilityLayer={false}
        tabIndex={-1}
      >
        <CartesianGrid vertical={false} />
        <XAxis dataKey="label" tickLine={false} interval="preserveStartEnd" minTickGap={12} />
        <YAxis
          allowDecimals={false}
          tickLine={false}
          axisLine={false}
          width={56}
          tickFormatter={(value: number) => formatCount(value)}
        />
        <Tooltip
          cursor={{ className: 'chart-cursor' }}
          // recharts calls `content` as a render function; the component it renders is defined once, above.
          // oxlint-disable-next-line react/no-unstable-nested-components
          content={(props) => (
            <BarTooltip active={props.active} payload={props.payload} label={props.label} unit={unit} />
          )}
        />
        <Bar
          dataKey="value"
          name={unit}
          className="chart-bar"
          radius={[4, 4, 0, 0]}
          maxBarSize={48}
          isAnimationActive={false}
        />
      </BarChart>
    </div>
  );
}
