/// <reference types="@webgpu/types" />
// The fused RCF kernel on WebGPU: same contract as native-kernel.ts's
// accumulateRows (float64 outputs, added to), computed by rcf-wgsl.ts.
//
// A call is split into dispatches ("chunks") of output rows so that the
// image slice, the partial-sums buffer and the dispatch grid fit the device
// limits; each chunk uploads only its rows (plus k-1) of every channel.
import type { FilterBankSpec } from '../native-kernel.js';
import { webgpuContext, type WebgpuContext } from './device.js';
import { rcfShader, workgroupBytes, WG } from './rcf-wgsl.js';

export { webgpuAvailable, closeWebgpu, type WebgpuAvailability } from './device.js';

// GPUBufferUsage / GPUMapMode values (WebGPU spec), so no globals are needed.
const MAP_READ = 0x0001;
const COPY_SRC = 0x0004;
const COPY_DST = 0x0008;
const UNIFORM = 0x0040;
const STORAGE = 0x0080;
const MAP_MODE_READ = 0x0001;

/** Output rows per workgroup (a thread's f32 run length). */
const BAND = 16;

export interface WebgpuBank {
  readonly filters: number;
  readonly channels: number;
  readonly kernel: number;
  /** Filters per workgroup. */
  readonly fb: number;
  readonly sharedWeights: boolean;
  /** The adapter it runs on. */
  readonly adapter: string;
}

class GpuBank implements WebgpuBank {
  readonly filters: number;
  readonly channels: number;
  readonly kernel: number;
  readonly fb: number;
  readonly sharedWeights: boolean;
  readonly adapter: string;
  readonly filtersPadded: number;
  readonly ctx: WebgpuContext;
  readonly pipeline: GPUComputePipeline;
  readonly weights: GPUBuffer;
  readonly bias: GPUBuffer;
  readonly dummyMask: GPUBuffer;

  constructor(
    spec: FilterBankSpec,
    fb: number,
    sharedWeights: boolean,
    filtersPadded: number,
    ctx: WebgpuContext,
    pipeline: GPUComputePipeline,
    weights: GPUBuffer,
    bias: GPUBuffer,
    dummyMask: GPUBuffer,
  ) {
    this.filters = spec.filters;
    this.channels = spec.channels;
    this.kernel = spec.kernel;
    this.fb = fb;
    this.sharedWeights = sharedWeights;
    this.adapter = ctx.name;
    this.filtersPadded = filtersPadded;
    this.ctx = ctx;
    this.pipeline = pipeline;
    this.weights = weights;
    this.bias = bias;
    this.dummyMask = dummyMask;
  }
}

function upload(device: GPUDevice, data: ArrayBufferView, usage: number): GPUBuffer {
  const size = Math.max(16, Math.ceil(data.byteLength / 4) * 4);
  const buffer = device.createBuffer({ size, usage: usage | COPY_DST, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

function checkSpec(spec: FilterBankSpec): void {
  const { filters: F, channels: C, kernel: k } = spec;
  for (const [n, v] of [
    ['filters', F],
    ['channels', C],
    ['kernel', k],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`prepareWebgpuBank: ${n} must be a positive integer (got ${v})`);
  if (spec.weights.length !== F * C * k * k)
    throw new RangeError(`prepareWebgpuBank: weights has ${spec.weights.length} values, expected ${F * C * k * k}`);
  if (spec.biasPos.length !== F || spec.biasNeg.length !== F)
    throw new RangeError(`prepareWebgpuBank: biasPos/biasNeg must have ${F} values`);
}

/** Compiled pipelines per device and shader source (banks of one shape share one). */
const pipelines = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

async function compile(device: GPUDevice, code: string): Promise<GPUComputePipeline> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code });
  const made = device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } }).then(
    (pipeline) => ({ pipeline, error: null }),
    (error: unknown) => ({ pipeline: null, error }),
  );
  const scoped = await device.popErrorScope();
  const { pipeline, error } = await made;
  if (scoped) throw new Error(`RCF WebGPU kernel failed to compile: ${scoped.message}`);
  if (!pipeline) throw new Error(`RCF WebGPU kernel failed to compile: ${error instanceof Error ? error.message : String(error)}`);
  return pipeline;
}

function pipelineFor(ctx: WebgpuContext, code: string): Promise<GPUComputePipeline> {
  let byCode = pipelines.get(ctx.device);
  if (!byCode) pipelines.set(ctx.device, (byCode = new Map()));
  let p = byCode.get(code);
  if (!p) {
    p = compile(ctx.device, code);
    byCode.set(code, p);
    p.catch(() => byCode.delete(code));
  }
  return p;
}

/** Lays out the weights per filter block and compiles the kernel for this bank. */
export async function prepareWebgpuBank(spec: FilterBankSpec): Promise<WebgpuBank> {
  checkSpec(spec);
  const ctx = await webgpuContext();
  const { device, limits } = ctx;
  const { filters: F, channels: C, kernel: k } = spec;
  const D = C * k * k;
  // Widest filter block whose weights fit in workgroup memory; else read them from storage.
  let fb = 16;
  let sharedWeights = false;
  for (const cand of [16, 8, 4]) {
    if (workgroupBytes(C, k, cand, true) <= limits.maxComputeWorkgroupStorageSize) {
      fb = cand;
      sharedWeights = true;
      break;
    }
  }
  if (F <= 8 && sharedWeights && fb > 8 && workgroupBytes(C, k, 8, true) <= limits.maxComputeWorkgroupStorageSize) fb = F <= 4 ? 4 : 8;
  const blocks = Math.ceil(F / fb);
  if (blocks > limits.maxComputeWorkgroupsPerDimension)
    throw new RangeError(`prepareWebgpuBank: ${F} filters need more than ${limits.maxComputeWorkgroupsPerDimension} workgroups`);
  const filtersPadded = blocks * fb;
  if (filtersPadded * D * 4 > limits.maxStorageBufferBindingSize)
    throw new RangeError('prepareWebgpuBank: the weights exceed the device storage-buffer limit');

  // [block][d][fb], zero for the padding filters.
  const laid = new Float32Array(filtersPadded * D);
  for (let f = 0; f < F; f++) {
    const b = Math.floor(f / fb);
    const r = f % fb;
    for (let d = 0; d < D; d++) laid[(b * D + d) * fb + r] = spec.weights[f * D + d];
  }
  const bias = new Float32Array(2 * filtersPadded);
  bias.set(spec.biasPos, 0);
  bias.set(spec.biasNeg, filtersPadded);

  const pipeline = await pipelineFor(ctx, rcfShader({ channels: C, kernel: k, fb, filtersPadded, sharedWeights }));
  const weights = upload(device, laid, STORAGE);
  const biasBuf = upload(device, bias, STORAGE);
  const dummyMask = upload(device, new Uint32Array(4), STORAGE);
  return new GpuBank(spec, fb, sharedWeights, filtersPadded, ctx, pipeline, weights, biasBuf, dummyMask);
}

interface Chunk {
  r0: number;
  r1: number;
}

/** Splits output rows [row0,row1) so each dispatch fits the device limits. */
function planChunks(bank: GpuBank, width: number, row0: number, row1: number): Chunk[] {
  const { limits } = bank.ctx;
  const k = bank.kernel;
  const ow = width - k + 1;
  const tilesX = Math.ceil(ow / WG);
  const maxBind = limits.maxStorageBufferBindingSize;
  const rowBytes = bank.channels * width * 4;
  const byImage = Math.floor(maxBind / rowBytes) - (k - 1);
  const bandBytes = tilesX * bank.filtersPadded * 2 * 4;
  const byPartials = Math.floor(maxBind / bandBytes) * BAND;
  const byDispatch = limits.maxComputeWorkgroupsPerDimension * BAND;
  const rows = Math.min(byImage, byPartials, byDispatch, Math.floor(maxBind / Math.max(1, ow)));
  if (tilesX > limits.maxComputeWorkgroupsPerDimension)
    throw new RangeError(`accumulateRowsWebgpu: width ${width} needs too many column tiles`);
  if (rows < 1) throw new RangeError(`accumulateRowsWebgpu: one row of ${bank.channels}x${width} does not fit the device limits`);
  const chunks: Chunk[] = [];
  for (let r = row0; r < row1; r += rows) chunks.push({ r0: r, r1: Math.min(row1, r + rows) });
  return chunks;
}

async function runChunk(
  bank: GpuBank,
  image: Float32Array,
  height: number,
  width: number,
  mask: Uint8Array | null,
  { r0, r1 }: Chunk,
  outPos: Float64Array,
  outNeg: Float64Array,
): Promise<void> {
  const { device } = bank.ctx;
  const { channels: C, kernel: k, fb, filtersPadded } = bank;
  const ow = width - k + 1;
  const nrows = r1 - r0;
  const inRows = nrows + k - 1;
  const plane = inRows * width;

  // Image rows [r0, r1+k-1) of every channel.
  let slice: Float32Array;
  if (r0 === 0 && inRows === height) slice = image;
  else {
    slice = new Float32Array(C * plane);
    for (let c = 0; c < C; c++)
      slice.set(image.subarray(c * height * width + r0 * width, c * height * width + (r0 + inRows) * width), c * plane);
  }
  const imageBuf = upload(device, slice, STORAGE);
  let maskBuf: GPUBuffer | null = null;
  if (mask) {
    const bytes = new Uint8Array(Math.ceil((nrows * ow) / 4) * 4);
    bytes.set(mask.subarray(r0 * ow, r1 * ow));
    maskBuf = upload(device, bytes, STORAGE);
  }
  const tilesX = Math.ceil(ow / WG);
  const bands = Math.ceil(nrows / BAND);
  const blocks = filtersPadded / fb;
  const params = new Uint32Array([width, plane, ow, nrows, BAND, mask ? 1 : 0, tilesX, bands]);
  const paramBuf = upload(device, params, UNIFORM);
  const partialFloats = blocks * bands * tilesX * 2 * fb;
  const partialBuf = device.createBuffer({ size: partialFloats * 4, usage: STORAGE | COPY_SRC });
  const readBuf = device.createBuffer({ size: partialFloats * 4, usage: MAP_READ | COPY_DST });
  try {
    const bindGroup = device.createBindGroup({
      layout: bank.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: bank.weights } },
        { binding: 1, resource: { buffer: bank.bias } },
        { binding: 2, resource: { buffer: imageBuf } },
        { binding: 3, resource: { buffer: maskBuf ?? bank.dummyMask } },
        { binding: 4, resource: { buffer: paramBuf } },
        { binding: 5, resource: { buffer: partialBuf } },
      ],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(bank.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(tilesX, bands, blocks);
    pass.end();
    encoder.copyBufferToBuffer(partialBuf, 0, readBuf, 0, partialFloats * 4);
    device.queue.submit([encoder.finish()]);
    await readBuf.mapAsync(MAP_MODE_READ);
    const partials = new Float32Array(readBuf.getMappedRange());
    const F = bank.filters;
    const groups = bands * tilesX;
    for (let b = 0; b < blocks; b++) {
      const f0 = b * fb;
      const n = Math.min(fb, F - f0);
      for (let g = 0; g < groups; g++) {
        const p = (b * groups + g) * 2 * fb;
        for (let r = 0; r < n; r++) {
          outPos[f0 + r] += partials[p + r];
          outNeg[f0 + r] += partials[p + fb + r];
        }
      }
    }
    readBuf.unmap();
  } finally {
    imageBuf.destroy();
    maskBuf?.destroy();
    paramBuf.destroy();
    partialBuf.destroy();
    readBuf.destroy();
  }
}

/**
 * Adds, for output rows [row0, row1) of the (height-k+1) x (width-k+1) valid
 * grid and every position whose mask byte is non-zero (mask null = all),
 * max(c + biasPos, 0) into outPos and max(-c + biasNeg, 0) into outNeg.
 * Do not touch the arrays until it settles; concurrent calls are allowed.
 */
export async function accumulateRowsWebgpu(
  bank: WebgpuBank,
  image: Float32Array,
  height: number,
  width: number,
  mask: Uint8Array | null,
  row0: number,
  row1: number,
  outPos: Float64Array,
  outNeg: Float64Array,
): Promise<void> {
  if (!(bank instanceof GpuBank)) throw new TypeError('accumulateRowsWebgpu: bank must come from prepareWebgpuBank()');
  const { channels: C, kernel: k, filters: F } = bank;
  if (!(outPos instanceof Float64Array) || !(outNeg instanceof Float64Array))
    throw new TypeError('accumulateRowsWebgpu: outPos/outNeg must be Float64Arrays');
  if (outPos.length !== F || outNeg.length !== F) throw new RangeError(`accumulateRowsWebgpu: outPos/outNeg must have ${F} values`);
  if (height < k || width < k) throw new RangeError(`accumulateRowsWebgpu: image ${height}x${width} is smaller than the ${k}x${k} kernel`);
  if (image.length !== C * height * width)
    throw new RangeError(`accumulateRowsWebgpu: image has ${image.length} values, expected ${C * height * width}`);
  const oh = height - k + 1;
  const ow = width - k + 1;
  if (mask && mask.length !== oh * ow) throw new RangeError(`accumulateRowsWebgpu: mask has ${mask.length} values, expected ${oh * ow}`);
  if (!Number.isInteger(row0) || !Number.isInteger(row1) || row0 < 0 || row1 > oh || row0 > row1)
    throw new RangeError(`accumulateRowsWebgpu: need 0 <= row0 <= row1 <= ${oh} (got ${row0}, ${row1})`);
  if (row0 === row1) return;
  for (const chunk of planChunks(bank, width, row0, row1)) await runChunk(bank, image, height, width, mask, chunk, outPos, outNeg);
}
