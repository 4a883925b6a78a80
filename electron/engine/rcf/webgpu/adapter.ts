// What a WebGPU adapter is, from its GPUAdapterInfo: a label for the
// provenance, a short name for messages, and whether it is a real GPU. Pure
// (no Dawn), so the CLI, the app's service and the probe share it.

/** The GPUAdapterInfo fields that matter here (plain data, so it can be cached). */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

/**
 * - `hardware`: a GPU driver (Vulkan, Metal, D3D12).
 * - `software`: a CPU rasterizer posing as a GPU: Mesa's lavapipe/llvmpipe or
 *   softpipe, SwiftShader, Windows' WARP ("Microsoft Basic Render Driver").
 * - `null`: Dawn's null backend, which computes nothing.
 */
export type AdapterKind = 'hardware' | 'software' | 'null';

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/i;

export function adapterKind(info: AdapterInfo): AdapterKind {
  if (info.device === 'null-backend') return 'null';
  if (info.isFallbackAdapter || info.architecture === 'software') return 'software';
  if (SOFTWARE_NAMES.test(`${info.description} ${info.device}`)) return 'software';
  return 'hardware';
}

/** e.g. "nvidia / hopper / NVIDIA H200" or "mesa / software / llvmpipe: Mesa 25.0.7 …" (the provenance's name). */
export function adapterLabel(info: AdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.description || info.device].filter((s) => s && s.length > 0);
  return parts.join(' / ') || 'unknown adapter';
}

/** e.g. "llvmpipe" or "NVIDIA H200": the description up to its first colon (Mesa appends its version after one). */
export function adapterShortName(info: AdapterInfo): string {
  const name = (info.description.split(':')[0] ?? '').trim() || info.device || info.vendor;
  return name || 'unknown adapter';
}

/** Reads the fields from a live GPUAdapter's info (older Dawn put isFallbackAdapter on the adapter). */
export function adapterInfoOf(adapter: { info: object; isFallbackAdapter?: boolean }): AdapterInfo {
  const info = adapter.info as Partial<Record<keyof AdapterInfo, unknown>>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    vendor: text(info.vendor),
    architecture: text(info.architecture),
    device: text(info.device),
    description: text(info.description),
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
  };
}
