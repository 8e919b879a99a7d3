/**
 * Prototype pollution and code in conditions, over the wire. The JSON is written by hand:
 * JSON.stringify never emits a `"__proto__"` key from an object literal, but JSON.parse on
 * the host turns one into an own property, which is what a hostile peer relies on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePatchInput } from '../../../src/document/index.js';
import { parseMessage } from '../../../src/protocol/messages.js';
import { joinedAttacker } from './attacks.js';
import { expectCutOff, HostileMesh } from './hostile-mesh.js';
import { helloFor } from './raw-peer.js';

/** A script that pollutes Object.prototype if anything ever runs it. */
const POLLUTING_SCRIPT = JSON.stringify(
  "function () { Object.prototype.polluted = 'by a script'; return true; }",
);

/** Each case: the JSON text of a patch's `update`, and optionally of its `if` / `arrayFilters`. */
interface Case {
  name: string;
  /** What the validator says about it. */
  code: string;
  update: string;
  if?: string;
  arrayFilters?: string;
}

const reservedKeys: Case[] = [
  {
    name: '__proto__ as an operator',
    code: 'ERR_RESERVED_KEY',
    update: '{"__proto__":{"polluted":"yes"}}',
  },
  {
    name: '__proto__ as a path',
    code: 'ERR_RESERVED_KEY',
    update: '{"$set":{"__proto__":{"polluted":"yes"}}}',
  },
  {
    name: '__proto__ in a dotted path',
    code: 'ERR_RESERVED_KEY',
    update: '{"$set":{"__proto__.polluted":"yes"}}',
  },
  {
    name: 'constructor.prototype in a path',
    code: 'ERR_RESERVED_KEY',
    update: '{"$set":{"constructor.prototype.polluted":"yes"}}',
  },
  {
    name: 'constructor deeper in a path',
    code: 'ERR_RESERVED_KEY',
    update: '{"$set":{"last.constructor.x":1}}',
  },
  {
    name: 'prototype as a path segment',
    code: 'ERR_RESERVED_KEY',
    update: '{"$inc":{"a.prototype":1}}',
  },
  {
    name: '__proto__ in a nested value',
    code: 'ERR_RESERVED_KEY',
    update: '{"$set":{"a":{"b":{"__proto__":{"polluted":"yes"}}}}}',
  },
  {
    name: 'constructor in a nested value',
    code: 'ERR_RESERVED_KEY',
    update: '{"$set":{"a":{"constructor":{"prototype":{"polluted":"yes"}}}}}',
  },
  {
    name: '__proto__ inside $push $each',
    code: 'ERR_RESERVED_KEY',
    update: '{"$push":{"list":{"$each":[{"__proto__":{"polluted":"yes"}}]}}}',
  },
  {
    name: 'a $rename onto __proto__',
    code: 'ERR_RESERVED_KEY',
    update: '{"$rename":{"last":"__proto__.polluted"}}',
  },
  {
    name: '__proto__ as a condition key',
    code: 'ERR_RESERVED_KEY',
    update: '{"$set":{"last":"x"}}',
    if: '{"__proto__":{"polluted":"yes"}}',
  },
  {
    name: '__proto__ in a condition path',
    code: 'ERR_RESERVED_KEY',
    update: '{"$set":{"last":"x"}}',
    if: '{"__proto__.polluted":{"$exists":false}}',
  },
  {
    name: '__proto__ in an array filter',
    code: 'ERR_RESERVED_KEY',
    update: '{"$set":{"list.$[x]":1}}',
    arrayFilters: '[{"x":{"__proto__":{"polluted":"yes"}}}]',
  },
];

const scripts: Case[] = [
  {
    name: '$where',
    code: 'ERR_INVALID_CONDITION',
    update: '{"$set":{"last":"x"}}',
    if: `{"$where":${POLLUTING_SCRIPT}}`,
  },
  {
    name: '$where under a field',
    code: 'ERR_INVALID_CONDITION',
    update: '{"$set":{"last":"x"}}',
    if: `{"n":{"$where":${POLLUTING_SCRIPT}}}`,
  },
  {
    name: '$expr with $function',
    code: 'ERR_INVALID_CONDITION',
    update: '{"$set":{"last":"x"}}',
    if: `{"$expr":{"$function":{"body":${POLLUTING_SCRIPT},"args":[],"lang":"js"}}}`,
  },
  {
    name: '$expr with $accumulator',
    code: 'ERR_INVALID_CONDITION',
    update: '{"$set":{"last":"x"}}',
    if:
      `{"$expr":{"$accumulator":{"init":${POLLUTING_SCRIPT},"accumulate":${POLLUTING_SCRIPT},` +
      `"accumulateArgs":[],"merge":${POLLUTING_SCRIPT},"lang":"js"}}}`,
  },
  {
    name: '$expr reading the clock',
    code: 'ERR_INVALID_CONDITION',
    update: '{"$set":{"last":"x"}}',
    if: '{"$expr":{"$gt":["$$NOW",0]}}',
  },
  {
    name: '$where in an array filter',
    code: 'ERR_INVALID_CONDITION',
    update: '{"$set":{"list.$[x]":1}}',
    arrayFilters: `[{"x":{"$where":${POLLUTING_SCRIPT}}}]`,
  },
  {
    name: '$where in a $pull condition',
    code: 'ERR_INVALID_CONDITION',
    update: `{"$pull":{"list":{"$where":${POLLUTING_SCRIPT}}}}`,
  },
];

/** The JSON text of a submit of one patch of `peer`, with `fields` written by hand. */
function submitOfText(epoch: number, peer: string, fields: string): string {
  const patch = `{"peer":${JSON.stringify(peer)},"seq":1,"ts":${Date.now() * 1000},${fields}}`;
  return `{"type":"submit","epoch":${epoch},"patches":[${patch}]}`;
}

/** The JSON text of a submit of one patch built from `c`. */
function submitText(epoch: number, peer: string, c: Case): string {
  const optional =
    (c.if === undefined ? '' : `,"if":${c.if}`) +
    (c.arrayFilters === undefined ? '' : `,"arrayFilters":${c.arrayFilters}`);
  return submitOfText(epoch, peer, `"update":${c.update}${optional}`);
}

describe('reserved keys and scripts from a peer', () => {
  let mesh: HostileMesh;
  beforeAll(async () => {
    mesh = await HostileMesh.start();
  });
  afterAll(async () => {
    await mesh?.[Symbol.asyncDispose]();
  });

  it.each([...reservedKeys, ...scripts])(
    '$name: cut off, nothing applied, no prototype polluted anywhere',
    async (c) => {
      const { peer, id, epoch } = await joinedAttacker(mesh);
      const text = submitText(epoch, id, c);
      // The text is well-formed and passes the wire schema: only its content is hostile.
      const message = parseMessage(JSON.parse(text));
      expect(message.type).toBe('submit');
      if (message.type === 'submit') {
        expect(() => validatePatchInput(message.patches[0]!)).toThrow(
          expect.objectContaining({ code: c.code }),
        );
      }
      peer.sendText(text);
      await expectCutOff(peer);
      await mesh.expectUnharmed(c.name);
    },
  );

  it('__proto__ in the patch envelope: cut off', async () => {
    const { peer, id, epoch } = await joinedAttacker(mesh);
    peer.sendText(
      submitOfText(epoch, id, '"update":{"$set":{"last":"x"}},"__proto__":{"polluted":"yes"}'),
    );
    await expectCutOff(peer);
    await mesh.expectUnharmed('envelope __proto__');
  });

  it('__proto__ in a hello: welcomed or refused, nothing polluted', async () => {
    const peer = await mesh.attacker();
    const hello = JSON.stringify(helloFor(mesh.name, 'proto-hello'));
    peer.sendText(`{"__proto__":{"polluted":"yes"},${hello.slice(1)}`);
    await Promise.race([peer.closed, peer.next('welcome').catch(() => undefined)]);
    peer.destroy();
    await mesh.expectUnharmed('hello __proto__');
  });

  it('__proto__ as a peer id: treated as an ordinary id, nothing polluted', async () => {
    const peer = await mesh.attacker();
    peer.send(helloFor(mesh.name, '__proto__'));
    await Promise.race([peer.closed, peer.next('welcome').catch(() => undefined)]);
    peer.destroy();
    await mesh.expectUnharmed('__proto__ peer id');
  });
});
