import type { ReactNode } from 'react';

type BalanceCardProps = {
  title: string;
  /** The figure, already formatted ("1,500", "3 / 10", "Unlimited"). */
  figure: string;
  unit: string;
  /** data-testid of the element that holds the figure. */
  figureTestId: string;
  emphasis?: boolean;
  children?: ReactNode;
};

export function BalanceCard({ title, figure, unit, figureTestId, emphasis = false, children }: BalanceCardProps) {
  return (
    <article className={emphasis ? 'card balance-card balance-card--total' : 'card balance-card'}>
      <h3 className="card-title">{title}</h3>
      <p className="card-figure">
        <span className="figure-number" data-testid={figureTestId}>
          {figure}
        </span>{' '}
        <span className="figure-unit">{unit}</span>
      </p>
      {children !== undefined && <div className="card-details">{children}</div>}
    </article>
  );
}
