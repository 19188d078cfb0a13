/**
 * The desktop window itself, through Playwright's Electron driver. It runs where the Electron binary exists; on
 * machines that cannot download it (docs/ARCHITECTURE.md), it is skipped with the reason printed.
 */
import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function electronBinary(): string | null {
  const pathFile = join('node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join('node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
if (!binary)
  console.log(
    'electron e2e skipped: the Electron binary is not installed here (its download is blocked); web mode covers the UI',
  );

test('the Electron window shows the dashboard with a secure bridge', async () => {
  test.skip(!binary, 'the Electron binary is not installed on this machine (its download is blocked)');
  const userData = mkdtempSync(join(tmpdir(), 'companion-electron-'));
  const app = await electron.launch({
    executablePath: binary!,
    args: ['.', `--user-data-dir=${userData}`],
    env: { ...process.env, COMPANION_TEST_CLOCK: '2026-03-07T20:00:00.000Z' },
  });
  try {
    const window = await app.firstWindow();
    await expect(window.getByTestId('balance-free')).toContainText('100', { timeout: 30_000 });
    // No Node in the page, and the bridge exposes named methods only.
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(
      await window.evaluate(() => Object.keys((globalThis as unknown as { companion: object }).companion).sort()),
    ).toContain('getSnapshot');
    expect(await window.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
  } finally {
    await app.close();
    rmSync(userData, { recursive: true, force: true });
  }
});
