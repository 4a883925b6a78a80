/**
 * The service process: Electron main starts this file with
 * `utilityProcess.fork(file, ['--data-dir', DIR])` and hands it one
 * MessagePort per window (a message on the parent port carrying the port).
 * Calls arrive on those ports, validated against the contract. No Electron
 * imports: the parent port and the MessagePortMain are reached through
 * `process.parentPort`, typed here by what is used.
 */
import { createService } from './service.js';
import { serveRpc, type RpcServer } from '../../shared/ipc/rpc.js';

interface PortMain {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  postMessage(message: unknown): void;
  start(): void;
}
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown; ports: PortMain[] }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) {
  console.error('rcf service: not started as an Electron utility process (no parent port)');
  process.exit(2);
}

const dataDirFlag = process.argv.indexOf('--data-dir');
const dataDir = dataDirFlag >= 0 ? process.argv[dataDirFlag + 1] : undefined;
if (!dataDir) {
  console.error('rcf service: --data-dir DIR is required');
  process.exit(2);
}

// Events go to every connected window.
const servers = new Set<RpcServer>();
const service = createService({
  dataDir,
  emit: (event, payload) => {
    for (const server of servers) server.emit(event, payload);
  },
});

parentPort.on('message', ({ ports }) => {
  for (const port of ports) {
    const server = serveRpc(
      {
        post: (message) => port.postMessage(message),
        listen: (onMessage) => port.on('message', (event) => onMessage(event.data)),
        onClose: (listener) => port.on('close', listener),
      },
      service.handlers,
      (why) => console.error(`rcf service: rejected a message: ${why}`),
    );
    servers.add(server);
    port.on('close', () => servers.delete(server));
    port.start();
  }
});

const stop = () => void service.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
