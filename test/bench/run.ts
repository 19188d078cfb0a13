/**
 * `npm run bench`: runs every benchmark below in order (or only those named after `--`) and prints its figures. Benchmarks are not tests: they assert
 * nothing and are not part of `npm test`; each prints whether it met the targets it measures against.
 */
import { runDebitBench } from './debits.js';
import { runHistoryBench } from './history.js';
import { runLiveBench } from './live.js';
import { runQueueBench } from './queue.js';

const benches: Array<{ name: string; run: () => Promise<void> }> = [
  { name: 'debits', run: runDebitBench },
  { name: 'history', run: runHistoryBench },
  { name: 'queue', run: runQueueBench },
  { name: 'live', run: runLiveBench },
];

// An error of the backend under measurement that escapes every request (a rejection nobody awaits, an `error` event of
// the PostgreSQL pool nobody listens to, typically while a backend closes) is printed, and the run goes on: one such
// error should be reported, not hide every figure measured so far.
let escaped = 0;
const reportEscaped = (kind: string) => (error: unknown) => {
  escaped += 1;
  console.error(
    `bench: ${kind} from the code under measurement: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
};
process.on('uncaughtException', reportEscaped('uncaught exception'));
process.on('unhandledRejection', reportEscaped('unhandled rejection'));

// `npm run bench -- debits queue` runs only the benchmarks named.
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !benches.some((b) => b.name === name));
if (unknown.length > 0)
  throw new Error(`Unknown benchmark ${unknown.join(', ')}; choose from ${benches.map((b) => b.name).join(', ')}`);
for (const bench of benches.filter((b) => chosen.length === 0 || chosen.includes(b.name))) {
  const started = performance.now();
  console.log(`== ${bench.name}`);
  await bench.run();
  console.log(`== ${bench.name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
if (escaped > 0) console.log(`bench: ${escaped} errors escaped the code under measurement (printed above)`);
