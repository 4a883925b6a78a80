// The fused RCF compute kernel in WGSL, specialised per filter bank.
//
// One pass over the image: convolution, both biases, both ReLUs and the
// per-cell sums; the activation map is never stored.
//
// Tiling (one workgroup = WG invocations):
//   workgroup_id.x  column tile: invocation t owns output column j = x*WG + t
//   workgroup_id.y  row band:    BAND consecutive output rows (params.band)
//   workgroup_id.z  filter block: FB filters (FB/4 vec4 accumulators)
// The block's weights, laid out [d][FB], are copied into workgroup memory
// (or read from the storage buffer when they do not fit). Each invocation
// walks the rows of its band at its column, computes FB correlations in
// registers, and adds relu(c+bp) / relu(bn-c) into f32 running sums (a run is
// at most BAND values). The WG invocations' sums are reduced through
// workgroup memory and written once per workgroup to `partials`
// [z][y][x][pos FB | neg FB], which the host adds up in float64.

export const WG = 64;

export interface RcfShaderConfig {
  channels: number;
  kernel: number;
  /** Filters per workgroup (multiple of 4). */
  fb: number;
  /** Filters padded to a multiple of fb. */
  filtersPadded: number;
  /** Weights of a block in workgroup memory (else read from storage). */
  sharedWeights: boolean;
}

/** Bytes of workgroup memory the kernel uses. */
export function workgroupBytes(channels: number, kernel: number, fb: number, sharedWeights: boolean): number {
  const d = channels * kernel * kernel;
  return (sharedWeights ? d * fb * 4 : 0) + 2 * WG * fb * 4;
}

export function rcfShader(cfg: RcfShaderConfig): string {
  const { channels: C, kernel: K, fb, filtersPadded, sharedWeights } = cfg;
  const D = C * K * K;
  const FB4 = fb / 4;
  const q = [...Array(FB4).keys()];
  const W = (idx: string) => (sharedWeights ? `wsh[${idx}]` : `weights[wbase + ${idx}]`);
  const fmas = (dExpr: string, x: string) =>
    q.map((k) => `        acc${k} = fma(${W(`${dExpr} * ${FB4}u + ${k}u`)}, vec4<f32>(${x}), acc${k});`).join('\n');
  const taps = [...Array(K).keys()]
    .map((v) => `          { let x = image[row + ${v}u];\n  ${fmas(`(du + ${v}u)`, 'x').replace(/\n/g, '\n  ')}\n          }`)
    .join('\n');
  const sums = q
    .map(
      (k) =>
        `  let bp${k} = bias[blk * FB4 + ${k}u];\n  let bn${k} = bias[FPAD4 + blk * FB4 + ${k}u];\n` +
        `  var sp${k} = vec4<f32>(0.0);\n  var sn${k} = vec4<f32>(0.0);`,
    )
    .join('\n');
  return /* wgsl */ `
struct Params {
  width: u32,     // image width W
  plane: u32,     // values per channel of the uploaded image slice
  ow: u32,        // output width W-k+1
  nrows: u32,     // output rows in this dispatch
  band: u32,      // output rows per workgroup
  hasMask: u32,   // mask bytes present
  tilesX: u32,    // column tiles
  bands: u32,     // row bands
}

const C: u32 = ${C}u;
const K: u32 = ${K}u;
const D: u32 = ${D}u;
const FB4: u32 = ${FB4}u;
const WG: u32 = ${WG}u;
const FPAD4: u32 = ${filtersPadded / 4}u;

@group(0) @binding(0) var<storage, read> weights: array<vec4<f32>>;   // [block][d][FB]
@group(0) @binding(1) var<storage, read> bias: array<vec4<f32>>;      // [pos Fpad | neg Fpad]
@group(0) @binding(2) var<storage, read> image: array<f32>;           // [C][rows+k-1][W]
@group(0) @binding(3) var<storage, read> mask: array<u32>;            // bytes [rows][ow]
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<storage, read_write> partials: array<vec4<f32>>;

${sharedWeights ? 'var<workgroup> wsh: array<vec4<f32>, ' + D * FB4 + '>;' : ''}
var<workgroup> red: array<vec4<f32>, ${2 * WG * FB4}>;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let blk = wg.z;
  let wbase = blk * D * FB4;
${
  sharedWeights
    ? `  for (var n = t; n < D * FB4; n += WG) {
    wsh[n] = weights[wbase + n];
  }
  workgroupBarrier();`
    : ''
}
${sums}

  let j = wg.x * WG + t;
  let i0 = wg.y * params.band;
  let i1 = min(i0 + params.band, params.nrows);
  if (j < params.ow) {
    for (var i = i0; i < i1; i++) {
      if (params.hasMask != 0u) {
        let idx = i * params.ow + j;
        if (((mask[idx >> 2u] >> ((idx & 3u) * 8u)) & 0xffu) == 0u) {
          continue;
        }
      }
${q.map((k) => `      var acc${k} = vec4<f32>(0.0);`).join('\n')}
      let base = i * params.width + j;
      for (var c = 0u; c < C; c++) {
        for (var u = 0u; u < K; u++) {
          let row = base + c * params.plane + u * params.width;
          let du = (c * K + u) * K;
${taps}
        }
      }
${q.map((k) => `      sp${k} += max(acc${k} + bp${k}, vec4<f32>(0.0));\n      sn${k} += max(bn${k} - acc${k}, vec4<f32>(0.0));`).join('\n')}
    }
  }

${q.map((k) => `  red[t * FB4 + ${k}u] = sp${k};\n  red[(WG + t) * FB4 + ${k}u] = sn${k};`).join('\n')}
  workgroupBarrier();
  // One barrier, then 2*FB4 invocations each add one vec4 column over the WG
  // invocations (few barriers keep llvmpipe's compile fast).
  if (t < 2u * FB4) {
    let half = t / FB4;
    let col = t % FB4;
    var total = vec4<f32>(0.0);
    for (var w = 0u; w < WG; w++) {
      total += red[(half * WG + w) * FB4 + col];
    }
    let p = ((blk * params.bands + wg.y) * params.tilesX + wg.x) * 2u * FB4;
    partials[p + half * FB4 + col] = total;
  }
}
`;
}
