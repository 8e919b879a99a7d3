/**
 * The Redis Function (Redis 7) that is the global sequencer: one call appends a batch of
 * patches to the mesh's stream, each under the next gapless version, refusing a patch whose
 * `(peer, seq)` is not above the last one appended for that writer (a resend after a local
 * failover, or a retry after a lost reply). Atomic: a function runs alone on the server.
 *
 * Keys (one `{mesh}` hash tag, so one slot on Redis Cluster): the stream, the hash of each
 * writer's last seq, and the hash holding the version counter. Stream ids are `<version>-0`,
 * so a replica's version is its read position. Arguments: the highest version the caller has
 * read, then triples of peer, seq, patch JSON. Seqs are kept as the text given (Lua numbers
 * print large integers in exponent form).
 *
 * A caller that has read further than the counter proves the server lost entries (restarted
 * without persistence, or a replica promoted before it had them): the call is refused with
 * `MEMSYNC_LOST <version held>`, so nothing is numbered again over versions already applied.
 */
export const LIBRARY_NAME = 'memsync';
export const SUBMIT_FUNCTION = 'memsync_submit_v1';
/**
 * The snapshot lease: one host at a time computes and stores a snapshot. Keys: the snapshot
 * hash, the lease key; arguments: the version the caller would store, its holder token, the
 * lease's time to live in ms. Returns 1 when the caller now holds the lease (SET NX PX), 0
 * when a snapshot at that version or newer is stored already or another host holds it (the
 * caller then computes nothing).
 */
export const LEASE_FUNCTION = 'memsync_snapshot_lease_v1';
/**
 * Stores a snapshot (keys: the stream, the snapshot hash, the lease key; arguments: its
 * version, its JSON, how many versions of the stream to keep behind it, the holder token)
 * when the caller still holds the lease (-1 when not: it expired and may be another's) and
 * no snapshot at that version or newer is stored (0); it frees the lease either way it
 * held it. Trims the stream behind it with XTRIM MINID: a host lagging by less than that
 * keeps reading the stream; one further behind loads the snapshot. Redis 6.2+ for MINID, 7
 * for functions. The version check alone is what keeps a stale snapshot from replacing a
 * newer one; the lease is what keeps every host from computing one at each interval.
 */
export const SNAPSHOT_FUNCTION = 'memsync_snapshot_v2';
/**
 * After a loss, restores the order on a server that holds nothing of the mesh (keys: the
 * counter hash, the snapshot hash; arguments: version, state JSON): the counter continues from
 * `version` and the snapshot is that state. Refused (0) once anything exists, so only the
 * first host to restore an emptied server does, and every other one takes its state.
 */
export const RESEED_FUNCTION = 'memsync_reseed_v1';

export const LIBRARY = `#!lua name=${LIBRARY_NAME}
local function submit(keys, args)
  local held = tonumber(redis.call('HGET', keys[3], 'version') or '0')
  if held < tonumber(args[1]) then
    return redis.error_reply('MEMSYNC_LOST ' .. string.format('%d', held))
  end
  local out = {}
  for i = 2, #args, 3 do
    local peer, seq, body = args[i], args[i + 1], args[i + 2]
    local last = redis.call('HGET', keys[2], peer)
    if last and tonumber(seq) <= tonumber(last) then
      out[#out + 1] = 0
    else
      local version = redis.call('HINCRBY', keys[3], 'version', 1)
      redis.call('XADD', keys[1], string.format('%d-0', version), 'p', body)
      redis.call('HSET', keys[2], peer, seq)
      out[#out + 1] = version
    end
  end
  return out
end
redis.register_function('${SUBMIT_FUNCTION}', submit)

local function lease(keys, args)
  local stored = tonumber(redis.call('HGET', keys[1], 'version') or '0')
  if stored >= tonumber(args[1]) then return 0 end
  if redis.call('SET', keys[2], args[2], 'NX', 'PX', args[3]) then return 1 end
  return 0
end
redis.register_function('${LEASE_FUNCTION}', lease)

local function snapshot(keys, args)
  if redis.call('GET', keys[3]) ~= args[4] then return -1 end
  redis.call('DEL', keys[3])
  local version = tonumber(args[1])
  local stored = tonumber(redis.call('HGET', keys[2], 'version') or '0')
  if stored >= version then return 0 end
  redis.call('HSET', keys[2], 'version', args[1], 'state', args[2])
  local keep = version - tonumber(args[3])
  if keep > 0 then redis.call('XTRIM', keys[1], 'MINID', string.format('%d-0', keep + 1)) end
  return 1
end
redis.register_function('${SNAPSHOT_FUNCTION}', snapshot)

local function reseed(keys, args)
  if redis.call('EXISTS', keys[1]) == 1 or redis.call('EXISTS', keys[2]) == 1 then return 0 end
  redis.call('HSET', keys[1], 'version', args[1])
  redis.call('HSET', keys[2], 'version', args[1], 'state', args[2])
  return 1
end
redis.register_function('${RESEED_FUNCTION}', reseed)
`;

/** The keys of one mesh. */
export function meshKeys(mesh: string): { log: string; seqs: string; meta: string; snapshot: string; lease: string } {
  const tag = `{${mesh}}`;
  return {
    log: `memsync:${tag}:log`,
    seqs: `memsync:${tag}:seqs`,
    meta: `memsync:${tag}:meta`,
    snapshot: `memsync:${tag}:snapshot`,
    lease: `memsync:${tag}:snapshot-lease`,
  };
}
