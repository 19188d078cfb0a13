/** Placeholder cards in the shape of the balances, with the words a screen reader says instead. */
export function SkeletonCards({ message }: { message: string }) {
  return (
    <div className="skeleton" data-testid="loading">
      <p className="skeleton-message" role="status">
        {message}
      </p>
      <div className="card-grid" aria-hidden="true">
        {['free', 'subscription', 'topup', 'total'].map((key) => (
          <div key={key} className="card skeleton-card">
            <span className="skeleton-line skeleton-line--short" />
            <span className="skeleton-line skeleton-line--figure" />
            <span className="skeleton-line" />
          </div>
        ))}
      </div>
    </div>
  );
}

/** Before the host's first snapshot. */
export function LoadingState() {
  return (
    <div className="dashboard">
      <h1 className="visually-hidden">Dashboard</h1>
      <SkeletonCards message="Loading your balances…" />
    </div>
  );
}
