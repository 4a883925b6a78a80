/**
 * The test preload: builds `window.rcf` exactly as electron/preload does, with
 * Playwright bindings in place of Electron's MessagePort and IPC. The service
 * behind it is the real one (tests/e2e/harness.ts).
 */
import { buildRcfApi } from '../../../shared/ipc/api.js';
import { connectRpc } from '../../../shared/ipc/rpc.js';
import type { AppCallName, RcfApi } from '../../../shared/ipc/contract.js';
import { decode, encode } from './codec.js';

interface TestWindow {
  __rcfServicePost(message: unknown): Promise<void>;
  __rcfAppCall(name: string, request: unknown): Promise<unknown>;
  __rcfDeliver?: (message: unknown) => void;
  __rcfAppEvent?: (name: string, payload: unknown) => void;
  /** Dropped file name → path on disk (what webUtils.getPathForFile gives in Electron). */
  __rcfFilePaths: Record<string, string>;
}
const test = window as unknown as TestWindow & Window;

let deliver: (message: unknown) => void = () => {};
test.__rcfDeliver = (message) => deliver(decode(message));
let appEvent: (name: string, payload: unknown) => void = () => {};
test.__rcfAppEvent = (name, payload) => appEvent(name, payload);

(window as unknown as { rcf: RcfApi }).rcf = buildRcfApi({
  service: connectRpc({
    post: (message) => void test.__rcfServicePost(encode(message)),
    listen: (onMessage) => (deliver = onMessage),
  }),
  invokeApp: (name: AppCallName, request) => test.__rcfAppCall(name, request),
  onAppEvent: (listener) => (appEvent = listener),
  pathForFile: (file) => test.__rcfFilePaths?.[file.name] ?? '',
});
