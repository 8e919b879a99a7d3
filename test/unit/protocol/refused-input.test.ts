/**
 * A patch that validation refuses changes no replica: sent to a host as a submit, or to a
 * client as an ordered entry, the role hangs up and its replica keeps the very same state
 * object and version. The fuzz suite checks the same over generated patches; these are the
 * named cases, written as the JSON text a peer would send.
 */
import { describe, expect, it } from 'vitest';
import { validatePatchInput } from '../../../src/document/index.js';
import { PatchValidationError } from '../../../src/errors.js';
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
