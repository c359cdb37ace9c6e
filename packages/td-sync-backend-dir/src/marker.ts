/**
 * The format marker at the top of the shared folder. Written once by the first writer; read by
 * everyone so a folder written by a newer, incompatible version is refused instead of misread.
 */
import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {ConfigError} from 'td-sync-sdk';
import {syncDir} from './files.js';
import {FORMAT, FORMAT_VERSION, MARKER_FILE} from './layout.js';

export async function checkMarker(root: string, create: boolean): Promise<void> {
  const path = join(root, MARKER_FILE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text === undefined) {
    if (!create) return;
    try {
      await writeFile(path, `${JSON.stringify({format: FORMAT, version: FORMAT_VERSION})}\n`, {flag: 'wx'});
      await syncDir(root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return;
  }
  let marker: {format?: unknown; version?: unknown};
  try {
    marker = JSON.parse(text) as typeof marker;
  } catch {
    return; // a half-synced marker: the segments themselves are still readable
  }
  if (marker.format !== FORMAT) {
    throw new ConfigError(`${path} says this folder holds ${JSON.stringify(marker.format)}, not td-sync-dir data`, {
      code: 'dir_foreign_folder',
      hint: 'point sync.dir.path at a folder of its own',
    });
  }
  if (typeof marker.version === 'number' && marker.version > FORMAT_VERSION) {
    throw new ConfigError(`${root} was written by a newer td-sync-backend-dir (format ${marker.version}; this one reads ${FORMAT_VERSION})`, {
      code: 'dir_format_newer',
      hint: 'upgrade td-sync-backend-dir on this machine ("td plugins update")',
    });
  }
}
