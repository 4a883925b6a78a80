// What `--backend auto` runs on, given what the WebGPU probe found: the GPU
// when Dawn offers a hardware adapter, else the CPU with a one-line notice
// saying why. Pure, so it is tested with made-up probe answers.
import { adapterKind, adapterLabel, adapterShortName } from './webgpu/adapter.js';
import type { ProbeAnswer } from './webgpu/probe.js';

export type AutoChoice =
  /** Use the WebGPU kernel on this adapter (its label, as in the provenance). */
  | { backend: 'webgpu'; adapter: string }
  /** Use the CPU; `notice` tells the user why, in one line. */
  | { backend: 'cpu'; notice: string };

export function chooseAutoBackend(answer: ProbeAnswer): AutoChoice {
  if (answer.adapter === null) return { backend: 'cpu', notice: `no GPU found (${answer.reason}), using the CPU kernel` };
  switch (adapterKind(answer.adapter)) {
    case 'hardware':
      return { backend: 'webgpu', adapter: adapterLabel(answer.adapter) };
    case 'software':
      return {
        backend: 'cpu',
        notice: `no hardware GPU found (only the software adapter ${adapterShortName(answer.adapter)}), using the CPU kernel`,
      };
    case 'null':
      return { backend: 'cpu', notice: 'no GPU found (Dawn offered only its null backend), using the CPU kernel' };
  }
}
