/**
 * Rank 0's coordinator on the rendezvous ROUTER socket: collects every rank's
 * hello (ring endpoint), answers with the ring layout, and completes the
 * small-object collectives (barrier, broadcastObject, allGatherObjects) once
 * every rank has arrived. Ranks that call different collectives at the same
 * sequence number get a mismatch error instead of a hang.
 */
import type * as zmq from 'zeromq';
import { DistError } from './errors';

interface CollEntry {
  op: string;
  src: number;
  arrivals: Map<number, { id: Buffer; body: Buffer }>;
}

/** Serves until the socket closes; `onFatal` gets rendezvous timeouts and socket failures. */
export async function runCoordinator(router: zmq.Router, worldSize: number, rendezvousTimeoutMs: number, onFatal: (e: DistError) => void): Promise<void> {
  const hellos = new Map<number, { id: Buffer; ring: string; monitor: string | null; pid: number; host: string }>();
  const colls = new Map<number, CollEntry>();
  const joinTimer = setTimeout(() => {
    if (hellos.size < worldSize) {
      const missing = [...Array(worldSize).keys()].filter((r) => !hellos.has(r));
      onFatal(
        new DistError(
          `rendezvous timed out after ${rendezvousTimeoutMs / 1000} s: rank(s) ${missing.join(', ')} of ${worldSize} did not join ` +
            `(joined: ${[...hellos.keys()].sort((a, b) => a - b).join(', ')}). Check that every rank was started with the same WORLD_SIZE and MASTER_ADDR/MASTER_PORT.`,
        ),
      );
    }
  }, rendezvousTimeoutMs);
  joinTimer.unref();
  const sendTo = async (id: Buffer, frames: Array<Buffer | string>) => {
    try {
      await router.send([id, ...frames]);
    } catch {
      /* the peer is gone; the heartbeat reports it */
    }
  };
  try {
    for await (const [id, head, ...body] of router) {
      const h = JSON.parse(head.toString()) as { type: string; rank: number; seq?: number; op?: string; src?: number; worldSize?: number; ring?: string; monitor?: string | null; pid?: number; host?: string };
      if (h.type === 'hello') {
        if (h.worldSize !== worldSize) {
          await sendTo(id, [JSON.stringify({ type: 'error', message: `rank ${h.rank} was started with WORLD_SIZE=${h.worldSize} but rank 0 with WORLD_SIZE=${worldSize}` })]);
          continue;
        }
        const prev = hellos.get(h.rank);
        if (prev && prev.pid !== h.pid) {
          await sendTo(id, [JSON.stringify({ type: 'error', message: `two processes claim RANK=${h.rank} (pids ${prev.pid}@${prev.host} and ${h.pid}@${h.host})` })]);
          continue;
        }
        hellos.set(h.rank, { id, ring: h.ring!, monitor: h.monitor ?? null, pid: h.pid!, host: h.host! });
        if (hellos.size === worldSize) {
          clearTimeout(joinTimer);
          const ring = [...Array(worldSize).keys()].map((r) => hellos.get(r)!.ring);
          const monitor = hellos.get(0)!.monitor;
          for (const v of hellos.values()) await sendTo(v.id, [JSON.stringify({ type: 'welcome', ring, monitor })]);
        }
      } else if (h.type === 'coll') {
        const seq = h.seq!;
        let e = colls.get(seq);
        if (!e) {
          e = { op: h.op!, src: h.src ?? 0, arrivals: new Map() };
          colls.set(seq, e);
        }
        e.arrivals.set(h.rank, { id, body: body[0] ?? Buffer.alloc(0) });
        if (e.op !== h.op || e.src !== (h.src ?? 0)) {
          const message =
            `collective mismatch at #${seq}: rank ${h.rank} called ${h.op}(src=${h.src ?? 0}) while other ranks called ${e.op}(src=${e.src}); ` +
            'every rank must call the same collectives in the same order';
          for (const a of e.arrivals.values()) await sendTo(a.id, [JSON.stringify({ type: 'error', seq, message })]);
          colls.delete(seq);
          continue;
        }
        if (e.arrivals.size < worldSize) continue;
        colls.delete(seq);
        const ranks = [...Array(worldSize).keys()];
        let out: Buffer[] = [];
        if (e.op === 'allGatherObjects') out = ranks.map((r) => e!.arrivals.get(r)!.body);
        else if (e.op === 'broadcastObject') out = [e.arrivals.get(e.src)!.body];
        const reply = JSON.stringify({ type: 'done', seq });
        for (const r of ranks) await sendTo(e.arrivals.get(r)!.id, [reply, ...out]);
      }
    }
  } catch (e) {
    onFatal(new DistError(`rank 0: rendezvous socket failed: ${(e as Error).message}`));
  }
}
