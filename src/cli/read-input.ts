/** Arguments and standard input that must be JSON: a clear usage error when they are not. */
import type { JsonObject, JsonValue } from '../types.js';
import { CliError, EXIT } from './exit-codes.js';

/** Parses `text` as JSON, or fails with ERR_USAGE naming `what`. */
export function parseJson(text: string, what: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new CliError('ERR_USAGE', `${what} is not JSON: ${(error as Error).message}`, EXIT.USAGE);
  }
}

/** Parses `text` as a JSON object, or fails with ERR_USAGE naming `what`. */
export function parseObject(text: string, what: string): JsonObject {
  const value = parseJson(text, what);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError('ERR_USAGE', `${what} must be a JSON object`, EXIT.USAGE);
  }
  return value;
}

/** All of standard input as text, bounded so that a runaway pipe cannot exhaust memory. */
export async function readStdin(maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) {
      throw new CliError('ERR_LIMIT_EXCEEDED', `standard input is larger than ${maxBytes} bytes`, EXIT.INVALID_UPDATE);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
