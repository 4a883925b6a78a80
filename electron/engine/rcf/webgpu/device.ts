/// <reference types="@webgpu/types" />
// The WebGPU device for the RCF kernel, through Dawn's Node binding (the
// `webgpu` npm package, which ships a prebuilt dawn.node). The package is
// imported lazily, so nothing on the CPU paths depends on it.
//
// On Linux Dawn needs a Vulkan loader (libvulkan1) and an ICD: a GPU driver
// or Mesa's lavapipe (software; .ci/install-lavapipe installs it).
import { adapterInfoOf, adapterKind, adapterLabel } from './adapter.js';

export type WebgpuAvailability = { ok: true; adapter: string; isFallback: boolean } | { ok: false; reason: string };

interface DawnModule {
  create(options: string[]): GPU;
  globals: object;
}

export interface WebgpuContext {
  /** Dawn's GPU instance; held so it is not garbage-collected while the device lives. */
  gpu: GPU;
  device: GPUDevice;
  adapter: GPUAdapter;
  /** e.g. "nvidia / hopper / NVIDIA H200" or "mesa / software / llvmpipe …". */
  name: string;
  isFallback: boolean;
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeWorkgroupsPerDimension: number;
  };
}

let contextPromise: Promise<WebgpuContext> | null = null;

/** The adapter asked for; probe.ts asks for the same one in its child process. */
export const ADAPTER_REQUEST: GPURequestAdapterOptions = { powerPreference: 'high-performance' };

/** Dawn options, e.g. ['backend=vulkan'] or ['adapter=NVIDIA H200'] from RCF_WEBGPU_OPTIONS (';'-separated). */
export function dawnOptions(
  env: { RCF_WEBGPU_OPTIONS?: string } | undefined = typeof process !== 'undefined' ? process.env : undefined,
): string[] {
  const value = env?.RCF_WEBGPU_OPTIONS;
  return value ? value.split(';').filter((s) => s.length > 0) : [];
}

async function loadDawn(): Promise<DawnModule> {
  const mod = (await import('webgpu')) as unknown as DawnModule;
  // GPUBufferUsage, GPUMapMode, … as globals, as in a browser (only the missing ones).
  const g = globalThis as Record<string, unknown>;
  for (const [key, value] of Object.entries(mod.globals)) if (!(key in g)) g[key] = value;
  return mod;
}

async function createContext(): Promise<WebgpuContext> {
  let dawn: DawnModule;
  try {
    dawn = await loadDawn();
  } catch (err) {
    throw new Error(`the webgpu package (Dawn) failed to load: ${err instanceof Error ? err.message : String(err)}`);
  }
  const gpu = dawn.create(dawnOptions());
  const adapter = await gpu.requestAdapter(ADAPTER_REQUEST);
  if (!adapter) {
    throw new Error(
      'Dawn found no WebGPU adapter (on Linux: install libvulkan1 and a Vulkan driver, or Mesa >= 24 lavapipe with .ci/install-lavapipe)',
    );
  }
  const info = adapterInfoOf(adapter);
  const kind = adapterKind(info);
  if (kind === 'null') throw new Error('Dawn gave its null backend, which computes nothing; check RCF_WEBGPU_OPTIONS');
  const a = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
      maxBufferSize: a.maxBufferSize,
      maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
    },
  });
  const name = adapterLabel(info);
  const isFallback = kind === 'software';
  const d = device.limits;
  return {
    gpu,
    device,
    adapter,
    name,
    isFallback,
    limits: {
      maxStorageBufferBindingSize: d.maxStorageBufferBindingSize,
      maxBufferSize: d.maxBufferSize,
      maxComputeWorkgroupStorageSize: d.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: d.maxComputeWorkgroupsPerDimension,
    },
  };
}

/** The shared device (created on first use; a failed attempt is retried next time). */
export function webgpuContext(): Promise<WebgpuContext> {
  if (!contextPromise) {
    contextPromise = createContext();
    contextPromise.then(
      (ctx) => {
        void ctx.device.lost.then(() => {
          contextPromise = null;
        });
      },
      () => {
        contextPromise = null;
      },
    );
  }
  return contextPromise;
}

/** Whether a WebGPU adapter is usable, and which (hardware or software/fallback). */
export async function webgpuAvailable(): Promise<WebgpuAvailability> {
  try {
    const ctx = await webgpuContext();
    return { ok: true, adapter: ctx.name, isFallback: ctx.isFallback };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Destroys the shared device (tests, benchmarks); the next call makes a new one. */
export async function closeWebgpu(): Promise<void> {
  const p = contextPromise;
  contextPromise = null;
  if (!p) return;
  try {
    (await p).device.destroy();
  } catch {
    // nothing to close
  }
}
