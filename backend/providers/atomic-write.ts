/**
 * Writes a whole file or nothing: readers (the outputs route, a crash-restarted backend) never see a half-written
 * output, because the bytes only appear under their final name through a rename in the same folder.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tempPath = `${path}.tmp-${randomBytes(8).toString('hex')}`;
  try {
    const file = await open(tempPath, 'wx');
    try {
      await file.writeFile(bytes);
      // Flush the data before the rename, or a crash could leave the final name pointing at an empty file.
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tempPath, path);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
  await syncFolder(dirname(path));
}

/**
 * Makes the rename itself durable. Best effort: Windows cannot open a folder for fsync, and a file that is complete
 * but whose name is lost in a power cut is a missing output, never a corrupt one.
 */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on a folder; the file is already complete under its final name.
  }
}
