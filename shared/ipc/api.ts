/**
 * Builds `window.rcf`, the renderer's whole view of the app, from the
 * contract: service calls go over the service's port, app calls to Electron
 * main. The preload builds it with Electron's transports, the end-to-end tests
 * with Playwright bindings; the renderer cannot tell them apart.
 */
import {
  appCalls,
  appEvents,
  describeInvalid,
  serviceCalls,
  serviceEvents,
  type AppCallName,
  type AppEventName,
  type EventName,
  type RcfApi,
  type ServiceCallName,
  type ServiceEventName,
} from './contract.js';
import { RpcError, type RpcClient } from './rpc.js';

export interface ApiTransports {
  service: RpcClient;
  /** Invokes an app call in Electron main (which validates it again). */
  invokeApp(name: AppCallName, request: unknown): Promise<unknown>;
  /** Delivers app events (menu commands) from Electron main. */
  onAppEvent(listener: (name: string, payload: unknown) => void): void;
  pathForFile(file: File): string;
}

export function buildRcfApi(transports: ApiTransports): RcfApi {
  const appListeners = new Map<string, Set<(payload: unknown) => void>>();
  transports.onAppEvent((name, payload) => {
    if (!Object.hasOwn(appEvents, name)) return;
    const checked = appEvents[name as AppEventName].safeParse(payload);
    if (!checked.success) return;
    for (const listener of appListeners.get(name) ?? []) listener(checked.data);
  });

  const api: Record<string, unknown> = {};
  for (const name of Object.keys(serviceCalls) as ServiceCallName[]) {
    api[name] = (request: never) => transports.service.call(name, request);
  }
  for (const name of Object.keys(appCalls) as AppCallName[]) {
    api[name] = async (request: unknown) => {
      const checked = appCalls[name].request.safeParse(request);
      if (!checked.success) throw new RpcError(describeInvalid(name, checked.error), 'bad-input');
      const response = appCalls[name].response.safeParse(await transports.invokeApp(name, checked.data));
      if (!response.success) throw new RpcError(describeInvalid(`${name} (response)`, response.error), 'bug');
      return response.data;
    };
  }
  api.on = (event: EventName, listener: (payload: unknown) => void) => {
    if (Object.hasOwn(serviceEvents, event)) return transports.service.on(event as ServiceEventName, listener);
    const set = appListeners.get(event) ?? new Set();
    appListeners.set(event, set);
    set.add(listener);
    return () => set.delete(listener);
  };
  api.pathForFile = (file: File) => transports.pathForFile(file);
  return api as RcfApi;
}
