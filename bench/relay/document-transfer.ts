/**
 * The join baseline: a process that holds a document sends it, as JSON in one frame, to
 * each process that connects; the newcomer parses it. Serialise, move, parse: the least any
 * join of the same document can cost on this machine.
 */
import { createConnection, createServer } from 'node:net';
import type { JsonObject } from '../../src/index.js';
import { wallNow } from '../lib/clock.js';
import { CHUNK_BYTES, recordsChunk } from '../workers/records.js';
import { encode, readFrames } from './frames.js';

export function serveDocument(path: string, mb: number): Promise<true> {
  const document: JsonObject = {};
  const chunks = Math.max(1, Math.round((mb * 1024 * 1024) / CHUNK_BYTES));
  for (let i = 0; i < chunks; i++) document[`c${i}`] = recordsChunk(i);
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(encode(document));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(true));
  });
}

export function fetchDocument(path: string): Promise<{ ms: number; jsonBytes: number }> {
  const began = wallNow();
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once('error', reject);
    readFrames(socket, (document) => {
      const ms = wallNow() - began;
      socket.destroy();
      resolve({ ms, jsonBytes: JSON.stringify(document).length });
    });
  });
}
