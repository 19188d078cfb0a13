// Preloaded with --import into a process under test: appends the URL of every module it loads to the file named by
// RECORD_MODULES_TO, so that a test can check which packages a built bundle pulls in at run time.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const target = process.env.RECORD_MODULES_TO;
if (target) {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      appendFileSync(target, `${resolved.url}\n`);
      return resolved;
    },
  });
}
