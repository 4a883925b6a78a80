/**
 * The app's API as the preload exposes it (`window.rcf`): every call resolves
 * to its outcome there (Electron's contextBridge would keep only an error's
 * message); here calls reject again, with the error's kind.
 */
import { fromContextBridge, type BridgedRcfApi } from '../../shared/ipc/api.js';
import type { RcfApi } from '../../shared/ipc/contract.js';

declare global {
  interface Window {
    rcf?: BridgedRcfApi;
  }
}

let rcf: RcfApi | undefined;

export function getRcf(): RcfApi {
  if (!window.rcf) throw new Error('the app bridge (window.rcf) is missing: the page was not opened by RCF Desktop');
  return (rcf ??= fromContextBridge(window.rcf));
}
