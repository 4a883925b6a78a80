/** Which answers the renderer shows: a cancellation, however it crosses the bridge, is no failure; only the newest answer counts. */
import { describe, expect, it } from 'vitest';
import { LatestRequest, isCancelledError } from '../../renderer/src/requests.js';
import { CancelledError, UserError } from '../../shared/errors/index.js';
import { RpcError } from '../../shared/ipc/rpc.js';

describe('isCancelledError', () => {
  it('knows a cancellation by its kind, its class name or its message', () => {
    expect(isCancelledError(new CancelledError())).toBe(true);
    expect(isCancelledError(new UserError('superseded by a newer request', { kind: 'cancelled' }))).toBe(true);
    // What the contextBridge and the RPC leave of it: a plain error with the message.
    expect(isCancelledError(new RpcError('cancelled'))).toBe(true);
    expect(isCancelledError(new Error('cancelled: a newer preview was asked for'))).toBe(true);
    expect(isCancelledError(new Error("Error invoking remote method 'x': CancelledError: cancelled"))).toBe(true);
    expect(isCancelledError({ kind: 'cancelled', message: 'x' })).toBe(true);
  });

  it('does not take failures for cancellations', () => {
    expect(isCancelledError(new UserError('landsat.tif: file is truncated'))).toBe(false);
    expect(isCancelledError(new UserError('the service stopped', { kind: 'disconnected' }))).toBe(false);
    expect(isCancelledError(new Error('no raster may be uncancelledable'))).toBe(false);
    expect(isCancelledError('cancelled')).toBe(false);
    expect(isCancelledError(null)).toBe(false);
    expect(isCancelledError(undefined)).toBe(false);
  });
});

describe('LatestRequest', () => {
  it('only the newest request is current; superseding makes every request in flight stale', () => {
    const requests = new LatestRequest();
    const first = requests.begin();
    expect(first()).toBe(true);
    const second = requests.begin();
    expect(first()).toBe(false);
    expect(second()).toBe(true);
    requests.supersede();
    expect(second()).toBe(false);
    const third = requests.begin();
    expect(third()).toBe(true);
  });

  it('answers arriving out of order: the older one is dropped', async () => {
    const requests = new LatestRequest();
    const shown: string[] = [];
    const ask = async (answer: string, delay: number) => {
      const isNewest = requests.begin();
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (isNewest()) shown.push(answer);
    };
    await Promise.all([ask('old', 30), ask('new', 5)]);
    expect(shown).toEqual(['new']);
  });
});
