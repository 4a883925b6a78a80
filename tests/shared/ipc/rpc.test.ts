/**
 * The RPC transport and the contract: serveRpc and connectRpc joined by an
 * in-memory port pair that structured-clones every message (as a MessagePort
 * does), with fake handlers (the subject is the transport, not the service).
 * Good calls round-trip; unknown calls, payloads outside a request schema and
 * handler answers outside a response schema are refused at both ends with one
 * line naming the call and the field; events are validated; buildRcfApi
 * validates app calls both ways and routes events.
 */
import { describe, expect, it, vi } from 'vitest';
import { CancelledError, isCancelled, kindOf, UserError } from '../../../shared/errors/index.js';
import { buildRcfApi, forContextBridge, fromContextBridge, outcomeOf } from '../../../shared/ipc/api.js';
import {
  RunSettings,
  serviceCalls,
  serviceEvents,
  type GridPreview,
  type RunRecord,
  type ServiceHandlers,
} from '../../../shared/ipc/contract.js';
import { connectRpc, reconnectingRpc, serveRpc, RpcError, SERVICE_STOPPED, type PortLike } from '../../../shared/ipc/rpc.js';

type TestPort = PortLike & { sent: unknown[] };

/** Two ends of a channel; messages are structured-cloned and delivered asynchronously; `close` tells both ends, as a MessagePort does. */
function portPair(): { a: TestPort; b: TestPort; close(): void } {
  const make = () => ({ listeners: [] as ((m: unknown) => void)[], closeListeners: [] as (() => void)[], sent: [] as unknown[] });
  const ends = [make(), make()];
  let closed = false;
  const port = (me: number) => ({
    sent: ends[me].sent,
    post(message: unknown) {
      ends[me].sent.push(message);
      if (closed) return;
      const copy = structuredClone(message);
      setTimeout(() => ends[1 - me].listeners.forEach((l) => l(copy)), 0);
    },
    listen(onMessage: (m: unknown) => void) {
      ends[me].listeners.push(onMessage);
    },
    onClose(listener: () => void) {
      ends[me].closeListeners.push(listener);
    },
  });
  const close = () => {
    closed = true;
    setTimeout(() => ends.forEach((end) => end.closeListeners.forEach((l) => l())), 0);
  };
  return { a: port(0), b: port(1), close };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

const settings = RunSettings.parse({
  inputs: ['/data/a.tif'],
  mode: 'gaussian',
  features: 16,
  kernel: 3,
  seed: 0,
  scale: 1,
  offset: 0,
  cellSize: '128',
  edge: 'drop',
  area: null,
  nodata: 'mask',
  convention: 'torchgeo',
  backend: 'cpu',
  threads: 2,
});

const record: RunRecord = {
  id: 'run-1',
  settings,
  state: 'finished',
  started: '2026-01-01T00:00:00Z',
  ended: '2026-01-01T00:01:00Z',
  message: null,
  cells: 4,
  provenance: null,
};

const notUsed = () => Promise.reject(new Error('not used in this test'));

const grid: GridPreview = { count: 1, perInput: [{ name: 'a.tif', cells: 1, cellPixels: '128' }], cells: [], truncated: false };

/** A call a fake handler holds until the test answers it, or its signal aborts. */
interface Held {
  name: string;
  request: unknown;
  signal: AbortSignal;
  answer(value: unknown): void;
}

/** A handler that waits for the test (see Held) and gives up, as the real ones do, when its signal aborts. */
function holding(name: string, held: Held[]) {
  return (request: unknown, signal: AbortSignal) =>
    new Promise<never>((resolve, reject) => {
      held.push({ name, request, signal, answer: resolve as (value: unknown) => void });
      signal.addEventListener('abort', () => reject(new CancelledError()));
    });
}

/** Fake handlers; `history` answers whatever `historyAnswer` holds, to send answers outside the contract. */
function fakeHandlers(historyAnswer: { value: unknown } = { value: { runs: [record] } }) {
  const calls: { name: string; request: unknown }[] = [];
  const held: Held[] = [];
  const handlers: ServiceHandlers = {
    // An answer within the contract (info is any record) that no port can carry: a function in it.
    inspect: async ({ path }) => ({
      path,
      name: 'a.tif',
      width: 1,
      height: 1,
      bands: 1,
      dtype: 'uint8',
      transform: [0, 1, 0, 0, 0, -1],
      crs: null,
      footprint: null,
      nodata: null,
      descriptions: [],
      overviews: [],
      info: { callback: () => 1 },
    }),
    preview: async (request) => {
      calls.push({ name: 'preview', request });
      const data = Float32Array.from({ length: request.bands.length * 4 * 2 }, (_, i) => (i === 3 ? NaN : i / 2));
      return { width: 4, height: 2, bands: request.bands, data, source: `full resolution, max ${request.maxSize}` };
    },
    readArea: notUsed,
    gridPreview: holding('gridPreview', held),
    estimate: holding('estimate', held),
    startRun: async (request) => {
      calls.push({ name: 'startRun', request });
      return { runId: 'run-2', queuePosition: null };
    },
    cancelRun: async ({ runId }) => {
      if (runId === 'boom') throw new Error('run boom does not exist');
      if (runId === 'gone') throw new UserError('run gone was deleted');
      return { cancelled: true };
    },
    history: async () => historyAnswer.value as never,
    resumeRun: notUsed,
    results: notUsed,
    cellValues: notUsed,
    exportRun: notUsed,
    readLabels: notUsed,
    foldsPreview: notUsed,
    startFit: notUsed,
    cancelFit: notUsed,
    fitHistory: notUsed,
    fitResults: notUsed,
    exportFit: notUsed,
  };
  return { handlers, calls, held };
}

function wire(historyAnswer?: { value: unknown }) {
  const { a, b, close } = portPair();
  const bad: string[] = [];
  const fake = fakeHandlers(historyAnswer);
  const server = serveRpc(b, fake.handlers, (why) => bad.push(why));
  const client = connectRpc(a);
  return { client, server, calls: fake.calls, held: fake.held, bad, clientPort: a, serverPort: b, close };
}

/** What a promise was rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

/** The one-line message a rejected promise carries. */
async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(RpcError);
  const message = (error as Error).message;
  expect(message).not.toMatch(/\n/);
  return message;
}

describe('serveRpc ↔ connectRpc', () => {
  it('an answer the port cannot carry is answered as a bug, and the server goes on', async () => {
    const { client } = wire();
    const error = await rejectionOf(client.call('inspect', { path: '/a.tif' }));
    expect(kindOf(error)).toBe('bug');
    expect((error as Error).message).toMatch(/^inspect: the answer could not be sent \(/);
    expect((await client.call('history', {})).runs).toHaveLength(1);
  });

  it('a good call round-trips, Float32Array and NaN included, and the handler gets the parsed request', async () => {
    const { client, calls } = wire();
    const preview = await client.call('preview', { path: '/data/a.tif', bands: [1, 2, 3], maxSize: 256 });
    expect(preview.width).toBe(4);
    expect(preview.bands).toEqual([1, 2, 3]);
    expect(preview.data).toBeInstanceOf(Float32Array);
    expect(Array.from(preview.data)).toEqual(Array.from({ length: 24 }, (_, i) => (i === 3 ? NaN : i / 2)));
    expect(preview.source).toBe('full resolution, max 256');
    expect(calls).toEqual([{ name: 'preview', request: { path: '/data/a.tif', bands: [1, 2, 3], maxSize: 256 } }]);

    const started = await client.call('startRun', { settings });
    expect(started).toEqual({ runId: 'run-2', queuePosition: null });
    expect(calls[1].request).toEqual({ settings });
    // Concurrent calls are told apart by id.
    const [h, c] = await Promise.all([client.call('history', {}), client.call('cancelRun', { runId: 'run-1' })]);
    expect(h.runs[0]).toEqual(record);
    expect(c).toEqual({ cancelled: true });
  });

  it("a handler's error reaches the caller as its message", async () => {
    const { client } = wire();
    expect(await rejection(client.call('cancelRun', { runId: 'boom' }))).toBe('run boom does not exist');
  });

  it('the client refuses a payload outside the schema before it leaves, naming the call and the field', async () => {
    const { client, calls, clientPort } = wire();
    const small = await rejection(client.call('preview', { path: '/data/a.tif', bands: [1], maxSize: 5 }));
    expect(small).toMatch(/^preview: invalid payload at maxSize: /);
    expect(small).toMatch(/16/);
    const cell = await rejection(client.call('startRun', { settings: { ...settings, cellSize: '12 parsecs' } }));
    expect(cell).toMatch(/^startRun: invalid payload at settings\.cellSize: Cell size must be a whole number of pixels/);
    const bands = await rejection(client.call('preview', { path: '/data/a.tif', bands: [0], maxSize: 64 }));
    expect(bands).toMatch(/^preview: invalid payload at bands\.0: /);
    await tick();
    expect(clientPort.sent).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('the server refuses the same payloads sent raw (a client that skips validation), and unknown calls', async () => {
    const { calls, clientPort, bad } = wire();
    const answers: unknown[] = [];
    clientPort.listen((m) => answers.push(m));
    clientPort.post({ kind: 'call', id: 1, name: 'preview', payload: { path: '/data/a.tif', bands: [1], maxSize: 5 } });
    clientPort.post({ kind: 'call', id: 2, name: 'startRun', payload: { settings: { ...settings, cellSize: '-3' } } });
    clientPort.post({ kind: 'call', id: 3, name: 'deleteEverything', payload: {} });
    clientPort.post({ kind: 'call', id: 4, name: 'toString', payload: {} });
    clientPort.post({ kind: 'call', id: 5, name: 'startRun', payload: { settings: { ...settings, threads: 0 } } });
    await tick();
    await tick();
    const byId = new Map((answers as { id: number; ok: boolean; message: string }[]).map((a) => [a.id, a]));
    expect(byId.size).toBe(5);
    for (const a of byId.values()) {
      expect(a.ok).toBe(false);
      expect(a.message).not.toMatch(/\n/);
    }
    expect(byId.get(1)!.message).toMatch(/^preview: invalid payload at maxSize: /);
    expect(byId.get(2)!.message).toMatch(/^startRun: invalid payload at settings\.cellSize: /);
    expect(byId.get(3)!.message).toBe("unknown call 'deleteEverything'");
    // Inherited names are not calls.
    expect(byId.get(4)!.message).toBe("unknown call 'toString'");
    expect(byId.get(5)!.message).toMatch(/^startRun: invalid payload at settings\.threads: /);
    expect(calls).toEqual([]);
    expect(bad).toEqual([]);
  });

  it('the client refuses an unknown call name with a one-line message', async () => {
    const { client, clientPort } = wire();
    const message = await rejection((client.call as (name: string, request: unknown) => Promise<unknown>)('deleteEverything', {}));
    expect(message).toBe("unknown call 'deleteEverything'");
    expect(clientPort.sent).toEqual([]);
  });

  it("a handler's answer outside the contract is refused by the server, naming the call and the field", async () => {
    const answer = { value: { runs: [{ ...record, id: '../escape' }] } as unknown };
    const { client } = wire(answer);
    expect(await rejection(client.call('history', {}))).toMatch(/^history \(response\): invalid payload at runs\.0\.id: /);
    answer.value = { runs: [{ ...record, cells: -1 }] };
    expect(await rejection(client.call('history', {}))).toMatch(/^history \(response\): invalid payload at runs\.0\.cells: /);
    answer.value = undefined;
    expect(await rejection(client.call('history', {}))).toMatch(/^history \(response\): invalid payload: /);
  });

  it('the client refuses an answer outside the contract from a server that skips validation', async () => {
    const { a, b } = portPair();
    const client = connectRpc(a);
    b.listen((m) => {
      const call = m as { id: number; name: string };
      if (call.name === 'preview')
        b.post({ kind: 'result', id: call.id, ok: true, value: { width: 4, height: 2, bands: [1], data: [1, 2, 3], source: 'x' } });
      else b.post({ kind: 'result', id: call.id, ok: true, value: { runId: 'has space' } });
    });
    expect(await rejection(client.call('preview', { path: '/a.tif', bands: [1], maxSize: 64 }))).toMatch(
      /^preview \(response\): invalid payload at data: expected a Float32Array/,
    );
    expect(await rejection(client.call('startRun', { settings }))).toMatch(/^startRun \(response\): invalid payload at runId: /);
  });

  it('messages that are not calls reach onBadMessage and are not answered', async () => {
    const { clientPort, bad } = wire();
    const answers: unknown[] = [];
    clientPort.listen((m) => answers.push(m));
    clientPort.post('hello');
    clientPort.post({ kind: 'call', id: 1.5, name: 'history', payload: {} });
    clientPort.post({ kind: 'result', id: 1, ok: true, value: 1 });
    await tick();
    expect(answers).toEqual([]);
    expect(bad).toHaveLength(3);
    expect(bad[2]).toBe('unexpected result message');
    for (const why of bad) expect(why).not.toMatch(/\n/);
  });

  it('events: valid ones are delivered to subscribers, invalid ones are refused by emit and dropped by the client', async () => {
    const { client, server, serverPort } = wire();
    const progress = vi.fn();
    const ended = vi.fn();
    const off = client.on('progress', progress);
    client.on('ended', ended);
    const payload = {
      runId: 'run-1',
      queuePosition: null,
      cellsDone: 2,
      cellsTotal: 4,
      cellsPerSecond: 1.5,
      elapsedSeconds: 1,
      etaSeconds: null,
    };
    server.emit('progress', payload);
    server.emit('ended', record);
    await tick();
    expect(progress).toHaveBeenCalledWith(payload);
    expect(ended).toHaveBeenCalledWith(record);

    // The server refuses to emit outside the contract.
    expect(() => server.emit('progress', { ...payload, cellsDone: 'two' } as never)).toThrow();
    expect(() => server.emit('ended', { ...record, state: 'exploded' } as never)).toThrow();
    // A raw invalid event, or an unknown one, never reaches a listener.
    serverPort.post({ kind: 'event', name: 'progress', payload: { ...payload, cellsDone: 2.5 } });
    serverPort.post({ kind: 'event', name: 'ended', payload: { ...record, id: 'a b' } });
    serverPort.post({ kind: 'event', name: 'constructor', payload: {} });
    await tick();
    expect(progress).toHaveBeenCalledTimes(1);
    expect(ended).toHaveBeenCalledTimes(1);

    off();
    server.emit('progress', payload);
    await tick();
    expect(progress).toHaveBeenCalledTimes(1);
  });
});

describe('error kinds, cancelling, superseding and disconnects', () => {
  const request = (cellSize: string) => ({ settings: { ...settings, cellSize }, limit: 100 });

  it("a failure's kind travels with its message: the user's error, a bug, a request outside the contract", async () => {
    const { client, clientPort } = wire();
    const userError = await rejectionOf(client.call('cancelRun', { runId: 'gone' }));
    expect(userError).toBeInstanceOf(RpcError);
    expect(userError).toBeInstanceOf(UserError);
    expect(kindOf(userError)).toBe('bad-input');
    expect((userError as Error).message).toBe('run gone was deleted');
    expect(kindOf(await rejectionOf(client.call('cancelRun', { runId: 'boom' })))).toBe('bug');
    // Refused before it leaves, and refused by the server when sent raw: both the caller's input.
    expect(kindOf(await rejectionOf(client.call('preview', { path: '/a.tif', bands: [1], maxSize: 5 })))).toBe('bad-input');
    const answers: { id: number; errorKind: string }[] = [];
    clientPort.listen((m) => answers.push(m as (typeof answers)[number]));
    clientPort.post({ kind: 'call', id: 100, name: 'preview', payload: { path: '/a.tif', bands: [1], maxSize: 5 } });
    clientPort.post({ kind: 'call', id: 101, name: 'deleteEverything', payload: {} });
    await tick();
    expect(answers.map((a) => [a.id, a.errorKind])).toEqual([
      [100, 'bad-input'],
      [101, 'bug'],
    ]);
  });

  it("a cancel message aborts the handler's signal, and the call is answered as cancelled", async () => {
    const { clientPort, held, bad } = wire();
    const answers: unknown[] = [];
    clientPort.listen((m) => answers.push(m));
    clientPort.post({ kind: 'call', id: 7, name: 'gridPreview', payload: request('128') });
    await tick();
    expect(held.map((h) => h.signal.aborted)).toEqual([false]);
    clientPort.post({ kind: 'cancel', id: 7 });
    // Cancelling a call that is not in progress does nothing.
    clientPort.post({ kind: 'cancel', id: 8 });
    await tick();
    expect(held[0].signal.aborted).toBe(true);
    expect(isCancelled(held[0].signal.reason)).toBe(true);
    expect(answers).toEqual([{ kind: 'result', id: 7, ok: false, message: 'cancelled', errorKind: 'cancelled' }]);
    expect(bad).toEqual([]);
  });

  it('a call answered after it was cancelled is still answered as cancelled', async () => {
    const { clientPort, held } = wire();
    const answers: unknown[] = [];
    clientPort.listen((m) => answers.push(m));
    clientPort.post({ kind: 'call', id: 1, name: 'gridPreview', payload: request('128') });
    await tick();
    // A handler that ignores its signal and answers anyway.
    held[0].signal.addEventListener('abort', () => held[0].answer(grid));
    clientPort.post({ kind: 'cancel', id: 1 });
    await tick();
    expect(answers).toEqual([expect.objectContaining({ id: 1, ok: false, errorKind: 'cancelled' })]);
  });

  it('a newer gridPreview or estimate supersedes the older: it rejects as cancelled and its handler sees the abort', async () => {
    const { client, held, clientPort } = wire();
    const first = client.call('gridPreview', request('128'));
    const firstEstimate = client.call('estimate', { settings });
    const second = client.call('gridPreview', request('256'));
    const firstError = await rejectionOf(first);
    expect(firstError).toBeInstanceOf(CancelledError);
    expect((firstError as Error).message).toBe('gridPreview: superseded by a newer request');
    await tick();
    // The older call was cancelled on the wire; the estimate is a call of another kind and goes on.
    expect(clientPort.sent).toContainEqual({ kind: 'cancel', id: 1 });
    expect(held.map((h) => [h.name, (h.request as { settings: RunSettings }).settings.cellSize, h.signal.aborted])).toEqual([
      ['gridPreview', '128', true],
      ['estimate', '128', false],
      ['gridPreview', '256', false],
    ]);
    held[2].answer({ ...grid, count: 2 });
    expect((await second).count).toBe(2);

    const secondEstimate = client.call('estimate', { settings: { ...settings, threads: 4 } });
    expect(kindOf(await rejectionOf(firstEstimate))).toBe('cancelled');
    await tick();
    expect(held[1].signal.aborted).toBe(true);
    held[3].answer({ cells: 1, windows: 1, flops: 1, gflopsPerSecond: 1, backend: 'cpu', seconds: 1, bytes: 1 });
    expect((await secondEstimate).backend).toBe('cpu');
    // Answered calls are not cancelled again by a later one.
    const third = client.call('gridPreview', request('64'));
    await tick();
    expect(clientPort.sent.filter((m) => (m as { kind: string }).kind === 'cancel')).toEqual([
      { kind: 'cancel', id: 1 },
      { kind: 'cancel', id: 2 },
    ]);
    held[4].answer(grid);
    expect(await third).toEqual(grid);
  });

  it('previews supersede each other per raster: a newer preview of one raster does not cancel the preview of another', async () => {
    const { client, calls } = wire();
    const a = client.call('preview', { path: '/data/a.tif', bands: [1], maxSize: 64 });
    const b = client.call('preview', { path: '/data/b.tif', bands: [1], maxSize: 64 });
    const a2 = client.call('preview', { path: '/data/a.tif', bands: [2], maxSize: 64 });
    expect(kindOf(await rejectionOf(a))).toBe('cancelled');
    expect((await b).bands).toEqual([1]);
    expect((await a2).bands).toEqual([2]);
    expect(calls.map((c) => (c.request as { path: string }).path)).toEqual(['/data/a.tif', '/data/b.tif', '/data/a.tif']);
  });

  it('when the port closes, every pending call and every later one rejects as disconnected, and the handlers are aborted', async () => {
    const { client, held, close, clientPort } = wire();
    const pending = [client.call('gridPreview', request('128')), client.call('estimate', { settings })].map(rejectionOf);
    await tick();
    expect(held).toHaveLength(2);
    close();
    await tick();
    const later = [client.call('history', {}), client.call('gridPreview', request('64'))].map(rejectionOf);
    const errors = await Promise.all([...pending, ...later]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(RpcError);
      expect((error as Error).message).toBe(SERVICE_STOPPED);
      expect(kindOf(error)).toBe('disconnected');
    }
    expect(SERVICE_STOPPED).toBe('The featurizer service stopped.');
    // The server's side of the closed port stops its handlers; later calls never leave.
    expect(held.map((h) => h.signal.aborted)).toEqual([true, true]);
    expect(clientPort.sent).toHaveLength(2);
  });

  it('reconnectingRpc: calls wait for the first port; after a close, calls go to the next port, and listeners hear it', async () => {
    const rpc = reconnectingRpc();
    const notices = vi.fn();
    rpc.client.on('notice', notices);
    const early = rpc.client.call('history', {});

    const first = portPair();
    const firstServer = serveRpc(first.b, fakeHandlers().handlers);
    rpc.connect(first.a);
    expect((await early).runs).toEqual([record]);
    firstServer.emit('notice', { runId: 'run-1', message: 'from the first service' });
    await tick();
    first.close();
    await tick();
    expect(kindOf(await rejectionOf(rpc.client.call('history', {})))).toBe('disconnected');

    const second = portPair();
    const secondServer = serveRpc(second.b, fakeHandlers({ value: { runs: [] } }).handlers);
    rpc.connect(second.a);
    expect(await rpc.client.call('history', {})).toEqual({ runs: [] });
    secondServer.emit('notice', { runId: 'run-2', message: 'from the restarted service' });
    await tick();
    expect(notices.mock.calls.map(([n]) => n.message)).toEqual(['from the first service', 'from the restarted service']);
  });
});

describe('buildRcfApi', () => {
  function api(appAnswer: (name: string, request: unknown) => unknown) {
    const { client, server } = wire();
    const invoked: { name: string; request: unknown }[] = [];
    let appEvent: (name: string, payload: unknown) => void = () => {};
    const rcf = buildRcfApi({
      service: client,
      // As Electron main answers: the call's outcome (electron/main/app-calls.ts).
      invokeApp: (name, request) => {
        invoked.push({ name, request });
        return outcomeOf(Promise.resolve().then(() => appAnswer(name, request)));
      },
      onAppEvent: (listener) => {
        appEvent = listener;
      },
      pathForFile: (file) => `/dropped/${file.name}`,
    });
    return { rcf, invoked, server, sendAppEvent: (name: string, payload: unknown) => appEvent(name, payload) };
  }

  it('has every service and app call', () => {
    const { rcf } = api(() => ({}));
    for (const name of Object.keys(serviceCalls)) expect(typeof (rcf as unknown as Record<string, unknown>)[name]).toBe('function');
    for (const name of ['chooseRasters', 'chooseArea', 'chooseWeights', 'chooseExportPath'])
      expect(typeof (rcf as unknown as Record<string, unknown>)[name]).toBe('function');
  });

  it('app calls: a good one round-trips; a bad request never reaches main; a bad answer is refused', async () => {
    const { rcf, invoked } = api((name) =>
      name === 'chooseExportPath'
        ? { token: 'Zm9yLXRoZS1zZXJ2aWNlLW9ubHk', name: 'features.csv' }
        : name === 'chooseArea'
          ? { path: '' }
          : { paths: 'not an array' },
    );
    expect(await rcf.chooseExportPath({ format: 'csv', suggestedName: 'run-1.csv' })).toEqual({
      token: 'Zm9yLXRoZS1zZXJ2aWNlLW9ubHk',
      name: 'features.csv',
    });
    expect(invoked).toEqual([{ name: 'chooseExportPath', request: { format: 'csv', suggestedName: 'run-1.csv' } }]);

    const format = await rejection(rcf.chooseExportPath({ format: 'shp' as 'csv', suggestedName: 'x' }));
    expect(format).toMatch(/^chooseExportPath: invalid payload at format: /);
    const name = await rejection(rcf.chooseExportPath({ format: 'gpkg' } as never));
    expect(name).toMatch(/^chooseExportPath: invalid payload at suggestedName: /);
    expect(invoked).toHaveLength(1);

    expect(await rejection(rcf.chooseArea({}))).toMatch(/^chooseArea \(response\): invalid payload at path: a file path is needed$/);
    expect(await rejection(rcf.chooseRasters({}))).toMatch(/^chooseRasters \(response\): invalid payload at paths: /);
  });

  it("app calls: main's refusal keeps its kind; an answer that is not an outcome is a bug", async () => {
    const refused = api(() => {
      throw new UserError('areas.geojson: no such file or folder');
    }).rcf;
    const error = await rejectionOf(refused.chooseArea({}));
    expect((error as Error).message).toBe('areas.geojson: no such file or folder');
    expect(kindOf(error)).toBe('bad-input');
    expect(kindOf(await rejectionOf(refused.restartService({})))).toBe('bad-input');
    const bare = buildRcfApi({
      service: wire().client,
      invokeApp: async () => ({ path: '/x' }),
      onAppEvent: () => {},
      pathForFile: () => '',
    });
    const notOutcome = await rejectionOf(bare.chooseArea({}));
    expect((notOutcome as Error).message).toMatch(/not an outcome/);
    expect(kindOf(notOutcome)).toBe('bug');
  });

  it('service calls go over the RPC client, validated there', async () => {
    const { rcf } = api(() => ({}));
    expect((await rcf.history({})).runs).toEqual([record]);
    expect(await rejection(rcf.preview({ path: '/a.tif', bands: [1], maxSize: 5 }))).toMatch(/^preview: invalid payload at maxSize: /);
  });

  it('events: service events from the port, app events from main (validated), unsubscribing', async () => {
    const { rcf, server, sendAppEvent } = api(() => ({}));
    const menu = vi.fn();
    const notice = vi.fn();
    const offMenu = rcf.on('menu', menu);
    rcf.on('notice', notice);
    sendAppEvent('menu', { command: 'export' });
    sendAppEvent('menu', { command: 'format-disk' });
    sendAppEvent('notice', { runId: 'r', message: 'from main, not the service' });
    sendAppEvent('hasOwnProperty', {});
    expect(menu.mock.calls).toEqual([[{ command: 'export' }]]);
    server.emit('notice', { runId: 'run-1', message: 'empty cells skipped' });
    await tick();
    expect(notice.mock.calls).toEqual([[{ runId: 'run-1', message: 'empty cells skipped' }]]);
    offMenu();
    sendAppEvent('menu', { command: 'about' });
    expect(menu).toHaveBeenCalledTimes(1);
    expect(Object.keys(serviceEvents)).toContain('notice');
  });

  /** What Electron's contextBridge does to an exposed API: answers are copied; a rejection arrives as a new Error with only its message. */
  function throughContextBridge<T extends object>(exposed: T): T {
    const crossed = Object.entries(exposed).map(([name, fn]) => {
      const proxy = (...args: unknown[]) => {
        const result = (fn as (...a: unknown[]) => unknown)(...args);
        if (!(result instanceof Promise)) return result;
        return result.then(structuredClone, (error: Error) => Promise.reject(new Error(error.message)));
      };
      return [name, proxy];
    });
    return Object.fromEntries(crossed) as T;
  }

  it("a failure's kind crosses the contextBridge only as forContextBridge's outcome, rejected again by fromContextBridge", async () => {
    const { rcf, server } = api((name) => (name === 'chooseArea' ? { path: '/areas/a.geojson' } : {}));
    const request = { path: '/data/a.tif', bands: [1], maxSize: 64 };

    const bare = throughContextBridge(rcf);
    const lost = rejectionOf(bare.preview(request));
    await bare.preview(request);
    const lostError = await lost;
    expect((lostError as Error).message).toBe('preview: superseded by a newer request');
    expect(kindOf(lostError)).toBe('bug');

    const page = fromContextBridge(throughContextBridge(forContextBridge(rcf)));
    const superseded = rejectionOf(page.preview(request));
    const latest = page.preview({ ...request, bands: [2] });
    const error = await superseded;
    expect(error).toBeInstanceOf(RpcError);
    expect(isCancelled(error)).toBe(true);
    expect((error as Error).message).toBe('preview: superseded by a newer request');
    const preview = await latest;
    expect(preview.bands).toEqual([2]);
    expect(preview.data).toBeInstanceOf(Float32Array);
    expect(kindOf(await rejectionOf(page.preview({ ...request, maxSize: 5 })))).toBe('bad-input');
    expect(kindOf(await rejectionOf(page.cancelRun({ runId: 'boom' })))).toBe('bug');
    expect(await page.chooseArea({})).toEqual({ path: '/areas/a.geojson' });
    const notice = vi.fn();
    page.on('notice', notice);
    server.emit('notice', { runId: 'run-1', message: 'through the bridge' });
    await tick();
    expect(notice).toHaveBeenCalledWith({ runId: 'run-1', message: 'through the bridge' });
    expect(page.pathForFile({ name: 'scene.tif' } as File)).toBe('/dropped/scene.tif');
  });

  it("pathForFile is the transport's", () => {
    const { rcf } = api(() => ({}));
    expect(rcf.pathForFile({ name: 'scene.tif' } as File)).toBe('/dropped/scene.tif');
  });
});
