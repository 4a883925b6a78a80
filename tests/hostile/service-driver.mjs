// Drives a real featurizer service (the dist/ build, with its worker threads) over its RPC, as a window does, for
// one hostile case of tests/hostile/service.test.ts: `node service-driver.mjs CASE DATA_DIR JSON_ARGS`.
// This process is the service; bounded.ts measures its time and memory from outside. It prints one JSON line:
// what the case's calls answered, and how long `history` took while the hostile call was in flight and after.
/* global structuredClone */
import { performance } from 'node:perf_hooks';
import { setImmediate, setTimeout } from 'node:timers';
import { connectRpc, serveRpc } from '../../dist/shared/ipc/rpc.js';
import { createService } from '../../dist/electron/service/service.js';

const [caseName, dataDir, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}');

const events = [];
const servers = [];
const service = createService({ dataDir, emit: (event, payload) => servers.forEach((s) => s.emit(event, payload)) });

// An in-memory port pair carrying structured clones, as Electron's MessagePort does.
const ends = [[], []];
const port = (me) => ({
  post: (message) => setImmediate(() => ends[1 - me].forEach((listen) => listen(structuredClone(message)))),
  listen: (onMessage) => ends[me].push(onMessage),
  onClose: () => {},
});
servers.push(serveRpc(port(1), service.handlers));
const client = connectRpc(port(0));
for (const event of ['progress', 'notice', 'ended']) client.on(event, (payload) => events.push({ event, payload }));

const outcome = (promise) =>
  promise.then(
    (value) => ({ ok: true, value }),
    (error) => ({ ok: false, message: error.message, kind: error.kind }),
  );
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `history` answered over the RPC: its time in ms. */
async function historyMs() {
  const started = performance.now();
  await client.call('history', {});
  return performance.now() - started;
}

/** Three history calls while `pending` is still in flight (false in `during` if it had already answered). */
async function whileInFlight(pending, waitMs = 400) {
  let settled = false;
  void pending.then(() => (settled = true));
  await sleep(waitMs);
  const during = [];
  for (let i = 0; i < 3; i++) during.push(await historyMs());
  return { during, inFlight: !settled };
}

const ended = (runId) => events.find((e) => e.event === 'ended' && e.payload.id === runId)?.payload;
async function waitEnded(runId, ms) {
  for (const until = Date.now() + ms; Date.now() < until;) {
    if (ended(runId)) return ended(runId);
    await sleep(20);
  }
  return null;
}

const cases = {
  /** A run (or estimate) the service works on for long: history stays fast, cancel answers at once. */
  async heavyRun() {
    const started = await outcome(client.call('startRun', { settings: args.settings }));
    if (!started.ok) return { started };
    const { runId } = started.value;
    const early = await waitEnded(runId, 400);
    const during = [];
    for (let i = 0; i < 3; i++) during.push(await historyMs());
    const cancelStarted = performance.now();
    const cancel = await outcome(client.call('cancelRun', { runId }));
    const cancelMs = performance.now() - cancelStarted;
    const record = early ?? (await waitEnded(runId, 3000));
    return { started, during, inFlight: early === null, cancel, cancelMs, record, after: await historyMs() };
  },

  /** A call (estimate, gridPreview, preview) with the service busy on it; then it is cancelled, as a newer one would. */
  async heavyCall() {
    const pending = outcome(client.call(args.call, args.request));
    const { during, inFlight } = await whileInFlight(pending, args.waitMs ?? 400);
    // The newer request supersedes the hostile one (the client cancels it; the service stops its worker).
    const newer = inFlight && args.supersededBy ? await outcome(client.call(args.call, args.supersededBy)) : null;
    const answer = await pending;
    return { answer, during, inFlight, newer, after: await historyMs() };
  },

  /** Many runs at once: a bounded queue, the rest refused in one line each. */
  async manyRuns() {
    const answers = await Promise.all(
      Array.from({ length: args.count }, () => outcome(client.call('startRun', { settings: args.settings }))),
    );
    const history = await client.call('history', {});
    const accepted = answers.filter((a) => a.ok).map((a) => a.value);
    const refusals = [...new Set(answers.filter((a) => !a.ok).map((a) => `${a.kind}: ${a.message}`))];
    const positions = accepted.map((a) => a.queuePosition);
    const states = history.runs.map((r) => r.state);
    const historyTime = await historyMs();
    for (const { runId } of accepted) await client.call('cancelRun', { runId });
    const afterCancel = (await client.call('history', {})).runs.map((r) => r.state);
    return { accepted: accepted.length, refusals, positions, states, historyTime, afterCancel };
  },

  /** Any one call; its answer and whether the service answers history afterwards. */
  async one() {
    const answer = await outcome(client.call(args.call, args.request));
    return { answer, after: await historyMs() };
  },

  /** exportRun given paths instead of a token, a token that was never granted, and main granting a relative path. */
  async exportPaths() {
    const answers = [];
    for (const request of args.requests) answers.push(await outcome(client.call('exportRun', request)));
    let grant;
    try {
      service.grantExport(args.grant);
      grant = { ok: true };
    } catch (error) {
      grant = { ok: false, message: error.message };
    }
    return { answers, grant, after: await historyMs() };
  },
};

/** Long arrays (cell rings, pixels) as their length: the test checks counts, and the line stays short. */
const summary = (key, value) =>
  ArrayBuffer.isView(value) ? { length: value.length } : Array.isArray(value) && value.length > 32 ? { length: value.length } : value;

// The first call of a process compiles its code paths; what is timed is the service at work, not its start.
await client.call('history', {});
const result = await cases[caseName]();
await service.close();
// Exits once the line is written (stdout to a pipe is asynchronous); a FIFO a reader is stuck on must not keep the process alive.
process.stdout.write(`${JSON.stringify(result, summary)}\n`, () => process.exit(0));
