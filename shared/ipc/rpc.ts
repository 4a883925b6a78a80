/**
 * Calls and events over any message port (Electron's MessagePortMain, a DOM
 * MessagePort, a test harness), validated at both ends against the contract.
 *
 * Messages are plain structured-clone objects:
 * - `{ kind: 'call', id, name, payload }` from the client;
 * - `{ kind: 'result', id, ok: true, value }` or `{ kind: 'result', id, ok: false, message }`;
 * - `{ kind: 'event', name, payload }` from the server.
 */
import { z } from '../zod.js';
import {
  describeInvalid,
  isServiceCall,
  serviceCalls,
  serviceEvents,
  type CallResponse,
  type EventPayload,
  type ServiceCallName,
  type ServiceEventName,
  type ServiceHandlers,
  type CallRequest,
} from './contract.js';

/** The least a transport must do: send a message and deliver incoming ones. */
export interface PortLike {
  post(message: unknown): void;
  listen(onMessage: (message: unknown) => void): void;
}

const Envelope = z.union([
  z.object({ kind: z.literal('call'), id: z.number().int(), name: z.string(), payload: z.unknown() }),
  z.object({ kind: z.literal('result'), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ kind: z.literal('result'), id: z.number().int(), ok: z.literal(false), message: z.string() }),
  z.object({ kind: z.literal('event'), name: z.string(), payload: z.unknown() }),
]);

/** A failed call, with the one-line message the user sees. */
export class RpcError extends Error {
  override name = 'RpcError';
}

export interface RpcServer {
  emit<E extends ServiceEventName>(event: E, payload: EventPayload<E>): void;
}

/**
 * Answers service calls arriving on `port` with `handlers`. A message that is
 * not a well-formed call of the contract is answered with an error (when it
 * has an id) and otherwise ignored; handler errors become their message.
 */
export function serveRpc(port: PortLike, handlers: ServiceHandlers, onBadMessage: (why: string) => void = () => {}): RpcServer {
  port.listen((raw) => {
    const parsed = Envelope.safeParse(raw);
    if (!parsed.success || parsed.data.kind !== 'call') {
      onBadMessage(parsed.success ? `unexpected ${parsed.data.kind} message` : describeInvalid('message', parsed.error));
      return;
    }
    const { id, name, payload } = parsed.data;
    void answer(name, payload).then(
      (value) => port.post({ kind: 'result', id, ok: true, value }),
      (error: unknown) => port.post({ kind: 'result', id, ok: false, message: messageOf(error) }),
    );
  });

  async function answer(name: string, payload: unknown): Promise<unknown> {
    if (!isServiceCall(name)) throw new RpcError(`unknown call '${name}'`);
    const request = serviceCalls[name].request.safeParse(payload);
    if (!request.success) throw new RpcError(describeInvalid(name, request.error));
    const handler = handlers[name] as (request: unknown) => Promise<unknown>;
    const value = await handler(request.data);
    const response = serviceCalls[name].response.safeParse(value);
    // A handler answering outside the contract is a bug here, not the caller's.
    if (!response.success) throw new RpcError(describeInvalid(`${name} (response)`, response.error));
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

/** Calls the service over `port`, validating requests before they leave and responses and events as they arrive. */
export function connectRpc(port: PortLike): RpcClient {
  let nextId = 1;
  const pending = new Map<number, { name: ServiceCallName; resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  port.listen((raw) => {
    const parsed = Envelope.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.kind === 'result') {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (!message.ok) return waiting.reject(new RpcError(message.message));
      const response = serviceCalls[waiting.name].response.safeParse(message.value);
      if (response.success) waiting.resolve(response.data);
      else waiting.reject(new RpcError(describeInvalid(`${waiting.name} (response)`, response.error)));
    } else if (message.kind === 'event') {
      // Own keys only: an inherited name ('constructor') is no event.
      if (!Object.hasOwn(serviceEvents, message.name)) return;
      const payload = serviceEvents[message.name as ServiceEventName].safeParse(message.payload);
      if (!payload.success) return;
      for (const listener of listeners.get(message.name) ?? []) listener(payload.data);
    }
  });

  return {
    call(name, request) {
      if (!isServiceCall(name)) return Promise.reject(new RpcError(`unknown call '${String(name)}'`));
      const checked = serviceCalls[name].request.safeParse(request);
      if (!checked.success) return Promise.reject(new RpcError(describeInvalid(name, checked.error)));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { name, resolve: resolve as (value: unknown) => void, reject });
        port.post({ kind: 'call', id, name, payload: checked.data });
      });
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const untyped = listener as (payload: unknown) => void;
      set.add(untyped);
      return () => set.delete(untyped);
    },
  };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
