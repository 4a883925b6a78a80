/**
 * Calls and events over any message port (Electron's MessagePortMain, a DOM
 * MessagePort, a test harness), validated at both ends against the contract.
 *
 * Messages are plain structured-clone objects:
 * - `{ kind: 'call', id, name, payload }` and `{ kind: 'cancel', id }` from the client;
 * - `{ kind: 'result', id, ok: true, value }` or `{ kind: 'result', id, ok: false, message, errorKind }`;
 * - `{ kind: 'event', name, payload }` from the server.
 *
 * A failed call keeps its error's kind (shared/errors) across the port. A call
 * the contract marks `supersede` cancels the older pending call with the same
 * key, so a caller only ever receives the answer to its latest request. When
 * the port closes, every pending call and every later one is rejected with
 * SERVICE_STOPPED (kind 'disconnected').
 */
import { z } from '../zod.js';
import { CancelledError, ERROR_KINDS, kindOf, UserError, type ErrorKind } from '../errors/index.js';
import {
  describeInvalid,
  isServiceCall,
  serviceCalls,
  serviceEvents,
  supersedeKey,
  type CallResponse,
  type EventPayload,
  type ServiceCallName,
  type ServiceEventName,
  type ServiceHandlers,
  type CallRequest,
} from './contract.js';

/** The least a transport must do: send messages, deliver incoming ones, and say when the other end went away. */
export interface PortLike {
  post(message: unknown): void;
  listen(onMessage: (message: unknown) => void): void;
  onClose(listener: () => void): void;
}

const Envelope = z.union([
  z.object({ kind: z.literal('call'), id: z.number().int(), name: z.string(), payload: z.unknown() }),
  z.object({ kind: z.literal('cancel'), id: z.number().int() }),
  z.object({ kind: z.literal('result'), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ kind: z.literal('result'), id: z.number().int(), ok: z.literal(false), message: z.string(), errorKind: z.enum(ERROR_KINDS) }),
  z.object({ kind: z.literal('event'), name: z.string(), payload: z.unknown() }),
]);

/** What every call is rejected with once the service's port has closed. */
export const SERVICE_STOPPED = 'The featurizer service stopped.';

/** A failed call, with the one-line message the user sees and its kind. */
export class RpcError extends UserError {
  override name = 'RpcError';
  constructor(message: string, kind: ErrorKind) {
    super(message, { kind });
  }
}

export interface RpcServer {
  emit<E extends ServiceEventName>(event: E, payload: EventPayload<E>): void;
}

/**
 * Answers service calls arriving on `port` with `handlers`. A message that is
 * not a well-formed call of the contract is answered with an error (when it
 * has an id) and otherwise ignored; handler errors become their message and
 * kind. Each call's handler gets a signal that aborts (with a CancelledError)
 * when the client cancels the call or the port closes; a cancelled call is
 * answered as cancelled.
 */
export function serveRpc(port: PortLike, handlers: ServiceHandlers, onBadMessage: (why: string) => void = () => {}): RpcServer {
  const inProgress = new Map<number, AbortController>();

  port.listen((raw) => {
    const parsed = Envelope.safeParse(raw);
    if (parsed.success && parsed.data.kind === 'cancel') {
      // A call that has already been answered has nothing left to cancel.
      inProgress.get(parsed.data.id)?.abort(new CancelledError());
      return;
    }
    if (!parsed.success || parsed.data.kind !== 'call') {
      onBadMessage(parsed.success ? `unexpected ${parsed.data.kind} message` : describeInvalid('message', parsed.error));
      return;
    }
    const { id, name, payload } = parsed.data;
    const controller = new AbortController();
    inProgress.set(id, controller);
    const failed = (error: unknown) => {
      // Whatever a handler did after its call was cancelled, the caller asked for no answer.
      const reason = controller.signal.aborted ? new CancelledError() : error;
      return { kind: 'result', id, ok: false, message: messageOf(reason), errorKind: kindOf(reason) };
    };
    void answer(name, payload, controller.signal)
      .then((value) => (controller.signal.aborted ? failed(null) : { kind: 'result', id, ok: true, value }), failed)
      .then((message) => {
        inProgress.delete(id);
        try {
          port.post(message);
        } catch (error) {
          // An answer the port cannot carry is this call's bug; the server goes on.
          port.post({
            kind: 'result',
            id,
            ok: false,
            message: `${name}: the answer could not be sent (${messageOf(error)})`,
            errorKind: 'bug',
          });
        }
      });
  });
  port.onClose(() => {
    for (const controller of inProgress.values()) controller.abort(new CancelledError());
  });

  async function answer(name: string, payload: unknown, signal: AbortSignal): Promise<unknown> {
    if (!isServiceCall(name)) throw new RpcError(`unknown call '${name}'`, 'bug');
    const request = serviceCalls[name].request.safeParse(payload);
    if (!request.success) throw new RpcError(describeInvalid(name, request.error), 'bad-input');
    const handler = handlers[name] as (request: unknown, signal: AbortSignal) => Promise<unknown>;
    const value = await handler(request.data, signal);
    const response = serviceCalls[name].response.safeParse(value);
    // A handler answering outside the contract is a bug here, not the caller's.
    if (!response.success) throw new RpcError(describeInvalid(`${name} (response)`, response.error), 'bug');
    return response.data;
  }

  return {
    emit(event, payload) {
      const checked = serviceEvents[event].parse(payload);
      port.post({ kind: 'event', name: event, payload: checked });
    },
  };
}

export interface RpcClient {
  call<N extends ServiceCallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>>;
  on<E extends ServiceEventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

interface Pending {
  name: ServiceCallName;
  /** Its supersede key, for calls that have one. */
  key: string | null;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** Calls the service over `port`, validating requests before they leave and responses and events as they arrive. */
export function connectRpc(port: PortLike): RpcClient {
  let nextId = 1;
  let stopped = false;
  const pending = new Map<number, Pending>();
  /** The pending call holding each supersede key. */
  const latest = new Map<string, number>();
  const events = eventListeners();

  /** Takes a call off the pending list, returning it unless it was already settled. */
  const settle = (id: number): Pending | undefined => {
    const waiting = pending.get(id);
    if (!waiting) return undefined;
    pending.delete(id);
    if (waiting.key !== null && latest.get(waiting.key) === id) latest.delete(waiting.key);
    return waiting;
  };
  const disconnected = () => new RpcError(SERVICE_STOPPED, 'disconnected');

  port.listen((raw) => {
    const parsed = Envelope.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.kind === 'result') {
      const waiting = settle(message.id);
      if (!waiting) return;
      if (!message.ok) return waiting.reject(new RpcError(message.message, message.errorKind));
      const response = serviceCalls[waiting.name].response.safeParse(message.value);
      if (response.success) waiting.resolve(response.data);
      else waiting.reject(new RpcError(describeInvalid(`${waiting.name} (response)`, response.error), 'bug'));
    } else if (message.kind === 'event') {
      // Own keys only: an inherited name ('constructor') is no event.
      if (!Object.hasOwn(serviceEvents, message.name)) return;
      const payload = serviceEvents[message.name as ServiceEventName].safeParse(message.payload);
      if (payload.success) events.emit(message.name as ServiceEventName, payload.data);
    }
  });
  port.onClose(() => {
    stopped = true;
    for (const id of [...pending.keys()]) settle(id)!.reject(disconnected());
  });

  return {
    call(name, request) {
      if (stopped) return Promise.reject(disconnected());
      if (!isServiceCall(name)) return Promise.reject(new RpcError(`unknown call '${String(name)}'`, 'bug'));
      const checked = serviceCalls[name].request.safeParse(request);
      if (!checked.success) return Promise.reject(new RpcError(describeInvalid(name, checked.error), 'bad-input'));
      const id = nextId++;
      const key = supersedeKey(name, checked.data);
      const older = key === null ? undefined : latest.get(key);
      if (older !== undefined) {
        settle(older)!.reject(new CancelledError(`${name}: superseded by a newer request`));
        port.post({ kind: 'cancel', id: older });
      }
      if (key !== null) latest.set(key, id);
      return new Promise((resolve, reject) => {
        pending.set(id, { name, key, resolve: resolve as (value: unknown) => void, reject });
        port.post({ kind: 'call', id, name, payload: checked.data });
      });
    },
    on: events.on,
  };
}

export interface ReconnectingRpc {
  /** Calls go to the latest port (waiting for the first); listeners hear whichever port is current. */
  client: RpcClient;
  /** Starts using a new port: the first one, or one to a restarted service. */
  connect(port: PortLike): void;
}

/**
 * One client over a succession of ports, for a window whose service can be
 * restarted: each port gets its own connectRpc, so a closed port rejects only
 * its own calls, and calls made after a restart go to the new service.
 */
export function reconnectingRpc(): ReconnectingRpc {
  let current: RpcClient | null = null;
  let firstPort = () => {};
  const connected = new Promise<void>((resolve) => (firstPort = resolve));
  const events = eventListeners();
  return {
    client: {
      call: (name, request) => (current ? current.call(name, request) : connected.then(() => current!.call(name, request))),
      on: events.on,
    },
    connect(port) {
      const client = connectRpc(port);
      for (const event of Object.keys(serviceEvents) as ServiceEventName[]) client.on(event, (payload) => events.emit(event, payload));
      current = client;
      firstPort();
    },
  };
}

/** Subscribers per service event. */
function eventListeners(): { on: RpcClient['on']; emit(event: ServiceEventName, payload: unknown): void } {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  return {
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const untyped = listener as (payload: unknown) => void;
      set.add(untyped);
      return () => set.delete(untyped);
    },
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) listener(payload);
    },
  };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
