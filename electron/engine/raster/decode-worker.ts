/**
 * Worker entry of the decode pool (decode-pool.ts): registers the same bounded
 * decoders as the main thread (codecs.ts), then decodes one block per message,
 * `{id, compression, parameters, bytes}` → `{id, buffer}` or `{id, error}`,
 * with the compressed and the decoded ArrayBuffers transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getDecoder, type BaseDecoder } from 'geotiff';
import { useBoundedDecoders } from './codecs.js';

export interface DecodeRequest {
  id: number;
  compression: number;
  parameters: Record<string, unknown>;
  bytes: ArrayBuffer;
}

export type DecodeReply = { id: number; buffer: ArrayBuffer } | { id: number; error: string } | { ready: true } | { failed: string };

const port = parentPort;
const setup = (workerData as { setup?: string } | null)?.setup;

async function start(): Promise<void> {
  await useBoundedDecoders();
  // Tests register extra (slow, hanging, memory-hungry) decoders from here.
  if (setup) await import(setup);
}

const ready = start();
ready.then(
  () => port?.postMessage({ ready: true } satisfies DecodeReply),
  (err: unknown) => port?.postMessage({ failed: err instanceof Error ? err.message : String(err) } satisfies DecodeReply),
);

/** Decoders per compression and parameters (the parameters of one image repeat for all its blocks). */
const decoders = new Map<string, Promise<BaseDecoder>>();

function decoderFor(compression: number, parameters: Record<string, unknown>): Promise<BaseDecoder> {
  const key = `${compression}:${JSON.stringify(parameters, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v))}`;
  let decoder = decoders.get(key);
  if (!decoder) {
    if (decoders.size > 64) decoders.clear();
    decoder = getDecoder(compression, parameters as never) as Promise<BaseDecoder>;
    decoders.set(key, decoder);
  }
  return decoder;
}

port?.on('message', (request: DecodeRequest) => {
  void (async () => {
    let buffer: ArrayBuffer;
    try {
      await ready;
      const decoder = await decoderFor(request.compression, request.parameters);
      const out = (await decoder.decodeBlock(request.bytes)) as ArrayBuffer;
      buffer = out;
    } catch (err) {
      port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) } satisfies DecodeReply);
      return;
    }
    try {
      port.postMessage({ id: request.id, buffer } satisfies DecodeReply, [buffer]);
    } catch {
      // Not transferable (e.g. a view of WebAssembly memory): send a copy.
      port.postMessage({ id: request.id, buffer: buffer.slice(0) } satisfies DecodeReply);
    }
  })();
});
