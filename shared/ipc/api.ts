/**
 * Builds `window.rcf`, the renderer's whole view of the app, from the
 * contract: service calls go over the service's port, app calls to Electron
 * main. The preload builds it with Electron's transports, the end-to-end tests
 * with Playwright bindings; the renderer cannot tell them apart.
 */
import { ERROR_KINDS, kindOf, type ErrorKind } from '../errors/index.js';
import {
  appCalls,
  appEvents,
  describeInvalid,
  serviceCalls,
  serviceEvents,
  type AppCallName,
  type AppEventName,
  type CallName,
  type CallRequest,
  type CallResponse,
  type EventName,
  type RcfApi,
  type ServiceCallName,
  type ServiceEventName,
} from './contract.js';
import { RpcError, type RpcClient } from './rpc.js';
import { z } from '../zod.js';

export interface ApiTransports {
  service: RpcClient;
  /** Invokes an app call in Electron main (which validates it again); main answers with the call's outcome. */
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
      const response = appCalls[name].response.safeParse(valueOf(await transports.invokeApp(name, checked.data)));
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

/**
 * A call's result in a form that Electron's IPC and contextBridge carry whole
 * (of a thrown Error they keep only the message, so the kind would be lost).
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string; kind: ErrorKind };

const failedOutcome = z.object({ ok: z.literal(false), message: z.string(), kind: z.string() });

/** The outcome of `work`: its value, or its error's message and kind. */
export function outcomeOf<T>(work: Promise<T>): Promise<Outcome<T>> {
  return work.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, message: error instanceof Error ? error.message : String(error), kind: kindOf(error) }),
  );
}

/** The value of an outcome, or its error thrown again as an RpcError of the same kind. */
export function valueOf(outcome: unknown): unknown {
  if (typeof outcome === 'object' && outcome !== null && (outcome as { ok?: unknown }).ok === true)
    return (outcome as { value: unknown }).value;
  const failed = failedOutcome.safeParse(outcome);
  if (!failed.success) throw new RpcError('the app answered a call with something that is not an outcome', 'bug');
  const kind = (ERROR_KINDS as readonly string[]).includes(failed.data.kind) ? (failed.data.kind as ErrorKind) : 'bug';
  throw new RpcError(failed.data.message, kind);
}

/** The API as it crosses the contextBridge: every call resolves to its outcome. */
export type BridgedRcfApi = { [N in CallName]: (request: CallRequest<N>) => Promise<Outcome<CallResponse<N>>> } & Pick<
  RcfApi,
  'on' | 'pathForFile'
>;

const callNames = [...Object.keys(serviceCalls), ...Object.keys(appCalls)] as CallName[];

/**
 * What the preload exposes: the calls of `api`, each resolving to its outcome,
 * so that a failure's kind reaches the page (a rejection would arrive as a bare
 * Error with only its message).
 */
export function forContextBridge(api: RcfApi): BridgedRcfApi {
  const bridged: Record<string, unknown> = { on: api.on, pathForFile: api.pathForFile };
  for (const name of callNames) {
    const call = api[name] as (request: unknown) => Promise<unknown>;
    bridged[name] = (request: unknown) => outcomeOf(call(request));
  }
  return bridged as BridgedRcfApi;
}

/**
 * The page's side of forContextBridge: calls reject again, with errors of the
 * page's own RpcError (so `kindOf` and `isCancelled` work there).
 */
export function fromContextBridge(bridged: BridgedRcfApi): RcfApi {
  const api: Record<string, unknown> = { on: bridged.on, pathForFile: bridged.pathForFile };
  for (const name of callNames) {
    const call = bridged[name] as (request: unknown) => Promise<unknown>;
    api[name] = async (request: unknown) => valueOf(await call(request));
  }
  return api as RcfApi;
}
