// Builds everything the app runs from dist/: the backend, the web-mode server, Electron main and preload (esbuild),
// and the renderer (vite). `--if-stale`: only when dist/ was not built from the sources as they are now
// (scripts/build-stamp.mjs), which is how `npm run web` and `npm start` call it.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { build as viteBuild } from 'vite';
import { buildIsCurrent, writeStamp } from './build-stamp.mjs';

const root = process.cwd();
if (process.argv.includes('--if-stale') && buildIsCurrent(root)) {
  console.log('dist/ is current (built from these sources); not rebuilding');
  process.exit(0);
}
const started = Date.now();
for (const dir of ['dist/backend', 'dist/web', 'dist/electron']) rmSync(dir, { recursive: true, force: true });

const node = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
};
// ESM bundles that use require() from bundled CommonJS need a require of their own.
const esmBanner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };

await Promise.all([
  build({
    ...node,
    entryPoints: ['backend/cli.ts'],
    outfile: 'dist/backend/main.mjs',
    format: 'esm',
    banner: esmBanner,
  }),
  build({
    ...node,
    entryPoints: ['backend/admin-cli.ts'],
    outfile: 'dist/backend/admin.mjs',
    format: 'esm',
    banner: esmBanner,
  }),
  build({
    ...node,
    entryPoints: ['electron/web/cli.ts'],
    outfile: 'dist/web/main.mjs',
    format: 'esm',
    banner: esmBanner,
  }),
  build({
    ...node,
    entryPoints: ['electron/main/main.ts'],
    outfile: 'dist/electron/main.mjs',
    format: 'esm',
    banner: esmBanner,
    external: ['electron'],
  }),
  // A sandboxed preload can require nothing but electron: everything else is bundled in.
  build({
    ...node,
    packages: undefined,
    entryPoints: ['electron/preload/preload.ts'],
    outfile: 'dist/electron/preload.cjs',
    format: 'cjs',
    external: ['electron'],
  }),
]);
// The command lines' entries turn Node's compile cache on before the bundle and its packages load (ES imports load
// before any statement of the module that makes them): a start after the first compiles almost nothing.
const entry =
  "// Turns on Node's compile cache, then runs the bundle.\nimport module from 'node:module';\nmodule.enableCompileCache?.();\nawait import('./main.mjs');\n";
for (const dir of ['dist/backend', 'dist/web']) writeFileSync(`${dir}/cli.mjs`, entry);
mkdirSync('dist/backend', { recursive: true });
copyFileSync('backend/catalog.json', 'dist/backend/catalog.json');

await viteBuild({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' });
writeStamp(root);
console.log(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
