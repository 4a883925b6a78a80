/**
 * The preload: builds `window.rcf` from the contract and exposes only that.
 * Service calls go over the MessagePort main hands over; calls made before it
 * arrives wait for it, and after a restart (`restartService`) main hands over
 * a port to the new service, which later calls use. ipcRenderer itself never
 * reaches the page. Bundled to one CommonJS file, as sandboxed preloads require.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildRcfApi, forContextBridge } from '../../shared/ipc/api.js';
import type { AppCallName } from '../../shared/ipc/contract.js';
import { reconnectingRpc, type PortLike } from '../../shared/ipc/rpc.js';
import { APP_CALL_CHANNEL, APP_EVENT_CHANNEL, SERVICE_PORT_CHANNEL } from '../../shared/ipc/channels.js';

/** Electron's MessagePort in the renderer emits 'close' when the other end (the service) goes away. */
function messagePort(port: MessagePort): PortLike {
  return {
    post: (message) => port.postMessage(message),
    listen: (onMessage) => (port.onmessage = (event: MessageEvent) => onMessage(event.data)),
    onClose: (listener) => port.addEventListener('close', listener),
  };
}

const service = reconnectingRpc();
let portArrived = () => {};
ipcRenderer.on(SERVICE_PORT_CHANNEL, (event) => {
  service.connect(messagePort(event.ports[0]));
  portArrived();
});

async function invokeApp(name: AppCallName, request: unknown): Promise<unknown> {
  if (name !== 'restartService') return ipcRenderer.invoke(APP_CALL_CHANNEL, name, request);
  // The new port comes on its own channel, in no set order with the answer: the restart is done when both are here.
  const arrived = new Promise<void>((resolve) => (portArrived = resolve));
  const answer = await ipcRenderer.invoke(APP_CALL_CHANNEL, name, request);
  await arrived;
  return answer;
}

const api = buildRcfApi({
  service: service.client,
  invokeApp,
  onAppEvent: (listener) => ipcRenderer.on(APP_EVENT_CHANNEL, (_event, name: string, payload: unknown) => listener(name, payload)),
  pathForFile: (file) => webUtils.getPathForFile(file),
});

// Calls cross the bridge as outcomes, so that an error's kind reaches the page (renderer/src/rcf.ts unwraps them).
contextBridge.exposeInMainWorld('rcf', forContextBridge(api));
