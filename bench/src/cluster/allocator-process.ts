/**
 * One allocator of the cluster benchmark's multi-process rows, in its own Node process (cluster.bench.ts starts
 * several at once):
 *
 *   node --import tsx bench/src/cluster/allocator-process.ts <endpoint> <pool> <node> <warmupMs> <windowMs> <inFlight>
 *
 * It opens the pool as node `<node>` (its own EtcdStore) and prints `ready`; the parent, once every allocator is
 * ready, writes one line to each one's stdin: the wall-clock start time (epoch ms) they all share. It waits for that
 * time, then keeps `inFlight` `allocate()` calls in flight until the warm-up
 * and the window have passed. It prints one JSON line: the allocations answered inside the window, the window's
 * measured length, and every address it got (so the parent can check that no address went to two processes).
 */
import { ClusterPool, EtcdStore } from '@ipam/cluster';

const [endpoint, name, node, warmupText, windowText, inFlightText] = process.argv.slice(2);
if (endpoint === undefined || name === undefined || node === undefined || inFlightText === undefined) {
  throw new Error('usage: allocator-process.ts <endpoint> <pool> <node> <warmupMs> <windowMs> <inFlight>');
}
const store = new EtcdStore({ endpoints: [endpoint], prefix: '/bench/' });
const pool = await ClusterPool.open({ store, name, cidrs: ['10.0.0.0/10'], blockSize: 26, node });
process.stdout.write('ready\n');
const startAt = await new Promise<number>((resolve) => {
  let line = '';
  process.stdin.on('data', (d: Buffer) => {
    line += d;
    if (line.includes('\n')) resolve(Number(line.trim()));
  });
});
process.stdin.destroy();
const warmEnd = startAt + Number(warmupText);
const end = warmEnd + Number(windowText);
const inFlight = Number(inFlightText);

await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));

let counted = 0;
let t0 = 0;
let t1 = 0;
let serial = 0;
const addresses: string[] = [];
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (Date.now() < end) {
      const ip = await pool.allocate({ owner: `bench/${node}-pod-${serial++}/eth0` });
      addresses.push(ip.toString());
      const now = Date.now();
      if (now >= warmEnd && now < end) {
        if (t0 === 0) t0 = performance.now();
        counted++;
        t1 = performance.now();
      }
    }
  }),
);
await store.close();
process.stdout.write(`${JSON.stringify({ node, counted, seconds: (t1 - t0) / 1000, addresses })}\n`);
