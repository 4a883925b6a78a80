/** The app's API as the preload exposes it (`window.rcf`), typed by the contract. */
import type { RcfApi } from '../../shared/ipc/contract.js';

declare global {
  interface Window {
    rcf?: RcfApi;
  }
}

export function getRcf(): RcfApi {
  if (!window.rcf) throw new Error('the app bridge (window.rcf) is missing: the page was not opened by RCF Desktop');
  return window.rcf;
}
