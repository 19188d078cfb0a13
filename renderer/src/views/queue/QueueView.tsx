import type { Catalog, Generation, QueueStatus } from '../../../../shared/api.js';
import type { AccountView } from '../../../../shared/bridge.js';
import { CancelButton } from '../../components/CancelButton.js';
import { OfflineBanner } from '../../components/OfflineBanner.js';
import { laneNames, statusLabels } from '../../components/GenerationCard.js';
import { etaText, formatCount, startsText } from '../../format.js';
import { selectCatalog, selectSelectedAccount, useHostStore } from '../../store/host/store.js';

type Lane = QueueStatus['mine'][number]['lane'];
const lanes: Lane[] = ['fast', 'relaxed', 'standard'];

const laneHints: Record<Lane, string> = {
  fast: 'Unlimited use within the daily Fast limit',
  relaxed: 'Unlimited use past the Fast limit: slower, never starved',
  standard: 'Paid requests',
};

/** U3-U5, U8: the account's jobs per lane with their place and estimate, the lanes' depth, and the system queue; live. */
export function QueueView() {
  const account = useHostStore(selectSelectedAccount);
  const catalog = useHostStore(selectCatalog);
  if (account === null) return null;
  const { queue } = account;

  return (
    <section className="view queue-view" aria-labelledby="queue-heading">
      <h1 id="queue-heading" className="view-title">
        Queue
      </h1>
      <p className="view-intro muted">
        Your waiting and running generations, updated live. Estimates come from recent run times.
      </p>
      <OfflineBanner account={account} />
      {queue === null ? (
        <p className="notice notice--warning" role="status" data-testid="queue-unknown">
          {account.connection.state === 'offline'
            ? 'The backend is offline: the queue appears when it answers again.'
            : 'Loading the queue…'}
        </p>
      ) : (
        <QueueContents account={account} queue={queue} catalog={catalog} />
      )}
    </section>
  );
}

function QueueContents({
  account,
  queue,
  catalog,
}: {
  account: AccountView;
  queue: QueueStatus;
  catalog: Catalog | null;
}) {
  const generation = (id: string): Generation | undefined =>
    account.recentGenerations.find((candidate) => candidate.id === id);
  const laneStatus = (lane: Lane) => (lane === 'standard' ? (queue.lanes.standard ?? null) : queue.lanes[lane]);

  return (
    <>
      <section className="section" aria-labelledby="queue-lanes-heading">
        <h2 id="queue-lanes-heading">Lanes</h2>
        <div className="card-grid lane-grid" data-testid="queue-lanes">
          {lanes.map((lane) => {
            const status = laneStatus(lane);
            if (status === null) return null;
            return (
              <article key={lane} className="card lane-card" data-testid={`lane-${lane}`}>
                <h3 className="card-title">{laneNames[lane]}</h3>
                <p className="lane-figures tabular">
                  <span data-testid={`lane-${lane}-waiting`}>{formatCount(status.waiting)} waiting</span> ·{' '}
                  <span data-testid={`lane-${lane}-running`}>{formatCount(status.running)} running</span>
                </p>
                <p className="muted">New work starts {startsText(status.etaS)}</p>
                <p className="muted small">{laneHints[lane]}</p>
              </article>
            );
          })}
          <article className="card lane-card lane-card--system" data-testid="lane-system">
            <h3 className="card-title">Whole system</h3>
            <p className="lane-figures tabular">
              {formatCount(queue.lanes.system.waiting)} waiting · {formatCount(queue.lanes.system.running)} running
            </p>
            <p className="muted">Next job starts {startsText(queue.lanes.system.etaS)}</p>
            <p className="muted small">Everyone’s work: the backend limits how much runs at once.</p>
          </article>
        </div>
      </section>

      <section className="section" aria-labelledby="queue-mine-heading">
        <h2 id="queue-mine-heading">Your jobs</h2>
        {queue.mine.length === 0 ? (
          <p className="muted empty-note" data-testid="queue-empty">
            Nothing of yours is waiting or running.
          </p>
        ) : (
          lanes.map((lane) => {
            const jobs = queue.mine.filter((job) => job.lane === lane).sort((a, b) => a.position - b.position);
            if (jobs.length === 0) return null;
            return (
              <div key={lane} className="queue-lane" data-testid={`queue-mine-${lane}`}>
                <h3 className="queue-lane-title">{laneNames[lane]} lane</h3>
                <table className="table queue-table">
                  <caption className="visually-hidden">Your jobs in the {laneNames[lane]} lane</caption>
                  <colgroup>
                    <col className="col-position" />
                    <col />
                    <col className="col-status" />
                    <col className="col-eta" />
                    <col className="col-actions" />
                  </colgroup>
                  <thead>
                    <tr>
                      <th scope="col">Position</th>
                      <th scope="col">Generation</th>
                      <th scope="col">Status</th>
                      <th scope="col">Starts</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {jobs.map((job) => {
                      const known = generation(job.generationId);
                      const model = catalog?.models.find((candidate) => candidate.id === known?.modelId);
                      const what = known ? `${model?.name ?? known.modelId}: ${known.prompt}` : job.generationId;
                      const running = job.position === 0 || known?.status === 'running';
                      return (
                        <tr key={job.generationId} data-testid="queue-job" data-generation-id={job.generationId}>
                          <td className="tabular" data-testid="queue-job-position">
                            {running ? '—' : `#${job.position}`}
                          </td>
                          <td className="queue-job-what">{what}</td>
                          <td>{running ? 'Running' : known ? statusLabels[known.status] : 'Queued'}</td>
                          <td className="tabular" data-testid="queue-job-eta">
                            {running ? 'running now' : etaText(job.etaS)}
                          </td>
                          <td>
                            {!running && (
                              <CancelButton accountId={account.id} generationId={job.generationId} what={what} />
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            );
          })
        )}
      </section>
    </>
  );
}
