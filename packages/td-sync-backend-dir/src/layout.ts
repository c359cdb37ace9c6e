/**
 * Where things live in the shared folder, and the two kinds of line a segment holds.
 *
 *   <root>/td-sync-dir.json                     format marker: {"format":"td-sync-dir","version":1}
 *   <root>/devices/<deviceId>/000000001.ndjson  one device's events, append-only, one JSON per line
 *   <root>/devices/<deviceId>/000000002.ndjson  the next segment, started once the previous is full
 *
 * Only the device named by the folder ever writes in it, so no file has two writers. Each segment
 * opens with a header line naming the size of the previous segment, so a reader on a folder synced
 * file by file (Dropbox, Syncthing) never moves on before the previous segment has fully arrived.
 */
import {join} from 'node:path';
import {ConfigError, type JsonObject, type SyncEvent} from 'td-sync-sdk';

export const FORMAT = 'td-sync-dir';
export const FORMAT_VERSION = 1;
export const MARKER_FILE = 'td-sync-dir.json';
export const DEVICES_DIR = 'devices';

const SEGMENT_NAME = /^(\d{9,})\.ndjson$/;
const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const devicesDir = (root: string) => join(root, DEVICES_DIR);
export const deviceDir = (root: string, deviceId: string) => join(root, DEVICES_DIR, deviceId);
export const segmentName = (n: number) => `${String(n).padStart(9, '0')}.ndjson`;
export const segmentPath = (root: string, deviceId: string, n: number) => join(deviceDir(root, deviceId), segmentName(n));

/** The segment number of a file name, or undefined for anything else (temp files, editor backups). */
export function segmentNumber(fileName: string): number | undefined {
  const m = SEGMENT_NAME.exec(fileName);
  return m ? Number(m[1]) : undefined;
}

export function isDeviceName(name: string): boolean {
  return DEVICE_NAME.test(name);
}

export function assertDeviceId(deviceId: string): void {
  if (!isDeviceName(deviceId)) {
    throw new ConfigError(`device id ${JSON.stringify(deviceId)} cannot name a folder in the shared folder`, {
      code: 'dir_device_id_invalid',
      hint: 'unset TD_DEVICE_ID or set it to letters, digits, ".", "_" or "-"',
    });
  }
}

/** First line of every segment. */
export interface SegmentHeader {
  tdSyncDir: number;
  deviceId: string;
  segment: number;
  /** Byte size of the previous segment when this one was started (0 for the first). */
  previousBytes: number;
}

export function headerLine(h: Omit<SegmentHeader, 'tdSyncDir'>): string {
  return `${JSON.stringify({tdSyncDir: FORMAT_VERSION, deviceId: h.deviceId, segment: h.segment, previousBytes: h.previousBytes})}\n`;
}

export function isHeader(value: unknown): value is SegmentHeader {
  return typeof value === 'object' && value !== null && 'tdSyncDir' in value;
}

/**
 * One event as one line's object (a `mapEvent` tap may change it before it is written). Keys in a fixed order with the identity first, so the writer's start-up
 * scan can read identities without parsing whole payloads. JSON escapes every newline inside
 * strings, so a line break only ever ends an event.
 */
export function eventRecord(e: SyncEvent): JsonObject {
  const o: JsonObject = {
    clientActionId: e.clientActionId,
    deviceId: e.deviceId,
    sessionId: e.sessionId,
    actionType: e.actionType,
    entityType: e.entityType,
    entityId: e.entityId,
    clientTimestamp: e.clientTimestamp,
  };
  if (e.sourceAction !== undefined) o.sourceAction = e.sourceAction;
  o.payload = e.payload;
  return o;
}

export const recordLine = (record: JsonObject) => `${JSON.stringify(record)}\n`;

/**
 * The remote sequence of an event: a short device prefix and where its line starts. Informational
 * (shown by `td sync conflicts`); identity is always (deviceId, sessionId, clientActionId).
 */
export const positionSeq = (deviceId: string, segment: number, offset: number) => `${deviceId.slice(0, 8)}:${segment}:${offset}`;
