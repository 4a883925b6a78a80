/**
 * The preload: builds `window.rcf` from the contract and exposes only that.
 * Service calls go over the MessagePort main hands over;
 * calls made before it arrives wait for it. ipcRenderer itself never reaches
 * the page. Bundled to one CommonJS file, as sandboxed preloads require.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildRcfApi } from '../../shared/ipc/api.js';
import { connectRpc, type PortLike } from '../../shared/ipc/rpc.js';
import { APP_CALL_CHANNEL, APP_EVENT_CHANNEL, SERVICE_PORT_CHANNEL } from '../../shared/ipc/channels.js';


/** A port that queues messages until main hands over the real one. */
function servicePort(): PortLike {
  let port: MessagePort | null = null;
  const queue: unknown[] = [];
  let deliver: (message: unknown) => void = () => {};
  ipcRenderer.on(SERVICE_PORT_CHANNEL, (event) => {
    port = event.ports[0];
    port.onmessage = (message: MessageEvent) => deliver(message.data);
    for (const message of queue.splice(0)) port.postMessage(message);
  });
  return {
    post: (message) => (port ? port.postMessage(message) : queue.push(message)),
    listen: (onMessage) => (deliver = onMessage),
  };
}

const api = buildRcfApi({
  service: connectRpc(servicePort()),
  invokeApp: (name, request) => ipcRenderer.invoke(APP_CALL_CHANNEL, name, request),
  onAppEvent: (listener) => ipcRenderer.on(APP_EVENT_CHANNEL, (_event, name: string, payload: unknown) => listener(name, payload)),
  pathForFile: (file) => webUtils.getPathForFile(file),
});

contextBridge.exposeInMainWorld('rcf', api);
