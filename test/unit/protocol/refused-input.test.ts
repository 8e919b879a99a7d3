/**
 * A patch that validation refuses changes no replica: sent to a host as a submit, or to a
 * client as an ordered entry, the role hangs up and its replica keeps the very same state
 * object and version. The fuzz suite checks the same over generated patches; these are the
 * named cases, written as the JSON text a peer would send.
 */
import { describe, expect, it } from 'vitest';
import { validatePatchInput } from '../../../src/document/index.js';
import { PatchValidationError } from '../../../src/errors.js';
import { BinaryFrame } from '../../../src/transport/binary-frame.js';
import { ClientHarness, HOST_EPOCH, HostHarness, settle } from './role-harness.js';

const deep = `${'{"a":'.repeat(200)}1${'}'.repeat(200)}`;

/** The fields after `"update":` of a patch, as JSON text. */
const refusedBodies: [string, string, string][] = [
  ['a reserved path', '{"$set":{"__proto__.polluted":1}}', 'ERR_RESERVED_KEY'],
  ['__proto__ in a value', '{"$set":{"a":{"__proto__":{"polluted":1}}}}', 'ERR_RESERVED_KEY'],
  ['an unknown operator', '{"$eval":{"a":1}}', 'ERR_UNKNOWN_OPERATOR'],
  [
    'a $where condition',
    '{"$set":{"a":1}},"if":{"$where":"sleep(1000)"}',
    'ERR_INVALID_CONDITION',
  ],
  ['a number that parses to Infinity', '{"$set":{"a":1e400}}', 'ERR_INVALID_VALUE'],
  ['a value nested 200 deep', `{"$set":{"a":${deep}}}`, 'ERR_LIMIT_EXCEEDED'],
  ['overlapping paths', '{"$set":{"a":1,"a.b":2}}', 'ERR_INVALID_PATH'],
  ['a $rename to nowhere', '{"$rename":{"a":""}}', 'ERR_INVALID_PATH'],
];

/**
 * A compact frame (protocol/compact.ts) written by hand around JSON text, as a hostile peer
 * would: the product's encoder could not even produce some of these (1e400, say).
 */
function compactFrame(kind: 1 | 2, fields: string): BinaryFrame {
  // "update},"if":{...}" becomes the body [update, {"if":{...}}].
  const bodyText = fields.includes('},"if":') ? `[${fields.replace('},"if":', '},{"if":')}}]` : fields;
  const header = Buffer.alloc(kind === 1 ? 30 + 20 : 14 + 16);
  header[0] = kind;
  header.writeUInt32LE(1, 2);
  header.writeDoubleLE(HOST_EPOCH, 6);
  const ts = Date.now() * 1000;
  if (kind === 1) {
    header.writeDoubleLE(HOST_EPOCH, 14);
    header.writeDoubleLE(1, 22);
    header.writeUInt32LE(0, 30);
    header.writeDoubleLE(1, 34);
    header.writeDoubleLE(ts, 42);
  } else {
    header.writeDoubleLE(1, 14);
    header.writeDoubleLE(ts, 22);
  }
  const json = kind === 1 ? `[["attacker"],[${bodyText}]]` : `["attacker",[${bodyText}]]`;
  return new BinaryFrame(Buffer.concat([header, Buffer.from(json)]));
}

function patchText(fields: string): string {
  return `{"peer":"attacker","seq":1,"ts":${Date.now() * 1000},"update":${fields}}`;
}

describe('refused input changes no replica', () => {
  it.each(refusedBodies)('%s: the validator refuses it', (_name, fields, code) => {
    const patch: unknown = JSON.parse(patchText(fields));
    expect(() => validatePatchInput(patch as { update: unknown })).toThrow(PatchValidationError);
    expect(() => validatePatchInput(patch as { update: unknown })).toThrow(
      expect.objectContaining({ code }),
    );
  });

  it.each(refusedBodies)('%s, submitted to a host: cut off, untouched', async (_, fields) => {
    const host = new HostHarness();
    await settle();
    const attacker = await host.join('attacker');
    const state = host.core.replica.state;
    const patches = `[${patchText(fields)}]`;
    attacker.deliverText(`{"type":"submit","epoch":${HOST_EPOCH},"patches":${patches}}`);
    await settle();
    expect(attacker.closed).toBe(true);
    expect(host.core.replica.version).toBe(0);
    expect(host.core.replica.state).toBe(state);
    await host.stop();
  });

  it.each(refusedBodies)('%s, submitted to a host in compact form: cut off, untouched', async (_, fields) => {
    const host = new HostHarness();
    await settle();
    const attacker = await host.join('attacker');
    const state = host.core.replica.state;
    attacker.deliverFrame(compactFrame(2, fields));
    await settle();
    expect(attacker.closed).toBe(true);
    expect(host.core.replica.version).toBe(0);
    expect(host.core.replica.state).toBe(state);
    await host.stop();
  });

  it.each(refusedBodies)('%s, ordered to a client in compact form: hangs up, untouched', async (_, fields) => {
    const client = new ClientHarness();
    const state = client.core.replica.state;
    client.conn.deliverFrame(compactFrame(1, fields));
    await settle();
    expect(client.conn.closed).toBe(true);
    expect(client.lost?.error?.name).toBe('PatchValidationError');
    expect(client.core.replica.version).toBe(0);
    expect(client.core.replica.state).toBe(state);
  });

  it.each(refusedBodies)('%s, ordered to a client: hangs up, untouched', async (_, fields) => {
    const client = new ClientHarness();
    const state = client.core.replica.state;
    const entry = `{"version":1,"epoch":${HOST_EPOCH},"patch":${patchText(fields)}}`;
    client.conn.deliverText(`{"type":"entries","epoch":${HOST_EPOCH},"entries":[${entry}]}`);
    await settle();
    expect(client.conn.closed).toBe(true);
    expect(client.lost?.error?.name).toBe('PatchValidationError');
    expect(client.core.replica.version).toBe(0);
    expect(client.core.replica.state).toBe(state);
  });
});
