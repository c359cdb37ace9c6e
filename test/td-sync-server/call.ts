/**
 * A raw HTTP caller for tests of the stand-in (node:http, so a test can pick the source address:
 * 127.0.0.2 is "another IP" on Linux loopback).
 */
import {request} from 'node:http';

export interface CallOptions {
  key?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  localAddress?: string;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = any>(): T;
}

export function call(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const url = new URL(path, baseUrl);
  const headers: Record<string, string> = {...options.headers};
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(url, {method, headers, agent: false, localAddress: options.localAddress}, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text)});
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

let counter = 0;
/** A wire event for pushes (td's payload wrapper). */
export function wireEvent(id: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    client_action_id: id,
    action_type: 'create',
    entity_type: 'issues',
    entity_id: `i_${String(id).padStart(3, '0')}`,
    payload: {new_data: {id: `i_${id}`, title: `t${id} #${counter}`}, previous_data: {}, schema_version: 1},
    client_timestamp: '2025-01-01T00:00:00Z',
    ...overrides,
  };
}

export function pushBody(events: Array<Record<string, unknown>>, device = 'dev1', session = 'sess1') {
  return {device_id: device, session_id: session, events};
}
