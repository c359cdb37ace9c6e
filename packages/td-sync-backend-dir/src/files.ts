/** Small durable-file helpers: fsync of files and folders, listing without throwing. */
import {constants} from 'node:fs';
import {access, mkdir, open, readdir, stat} from 'node:fs/promises';
import {dirname} from 'node:path';

/** fsync a folder so a new or renamed entry in it survives a power cut. Not every platform allows it. */
export async function syncDir(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    /* EISDIR/EPERM on some platforms and network shares: best effort */
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** mkdir -p, then fsync each parent whose entry we created. */
export async function makeDirDurable(path: string): Promise<void> {
  const created = await mkdir(path, {recursive: true});
  if (created === undefined) return;
  let dir = path;
  while (dir.length >= created.length) {
    await syncDir(dirname(dir));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
}

export async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function isWritableDir(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isDirectory()) return false;
    await access(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
