/**
 * The test preload: builds `window.rcf` exactly as electron/preload does, with
 * Playwright bindings in place of Electron's MessagePort and IPC. The service
 * behind it is the real one (tests/e2e/harness.ts), which the harness can stop
 * (the port closes) and restart (the bridge connects to the new one).
 */
import { buildRcfApi, forContextBridge } from '../../../shared/ipc/api.js';
import { reconnectingRpc } from '../../../shared/ipc/rpc.js';
import type { AppCallName } from '../../../shared/ipc/contract.js';
import { decode, encode } from './codec.js';

interface TestWindow {
  __rcfServicePost(message: unknown): Promise<void>;
  __rcfAppCall(name: string, request: unknown): Promise<unknown>;
  __rcfDeliver?: (message: unknown) => void;
  /** The harness's service stopped: the port to it closed. */
  __rcfServiceClosed?: () => void;
  /** The harness started a new service: a new port to it. */
  __rcfServiceConnect?: () => void;
  __rcfAppEvent?: (name: string, payload: unknown) => void;
  /** Dropped file name → path on disk (what webUtils.getPathForFile gives in Electron). */
  __rcfFilePaths: Record<string, string>;
}
const test = window as unknown as TestWindow & Window;

const service = reconnectingRpc();
test.__rcfServiceConnect = () => {
  let deliver: (message: unknown) => void = () => {};
  let closed = () => {};
  test.__rcfDeliver = (message) => deliver(decode(message));
  test.__rcfServiceClosed = () => closed();
  service.connect({
    post: (message) => void test.__rcfServicePost(encode(message)),
    listen: (onMessage) => (deliver = onMessage),
    onClose: (listener) => (closed = listener),
  });
};
test.__rcfServiceConnect();
let appEvent: (name: string, payload: unknown) => void = () => {};
test.__rcfAppEvent = (name, payload) => appEvent(name, payload);

(window as unknown as { rcf: unknown }).rcf = forContextBridge(
  buildRcfApi({
    service: service.client,
    invokeApp: (name: AppCallName, request) => test.__rcfAppCall(name, request),
    onAppEvent: (listener) => (appEvent = listener),
    pathForFile: (file) => test.__rcfFilePaths?.[file.name] ?? '',
  }),
);
