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
import { ExportGrant, type ExportGranted } from '../../shared/ipc/contract.js';

interface PortMain {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  postMessage(message: unknown): void;
  start(): void;
}
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown; ports: PortMain[] }) => void): void;
  postMessage(message: unknown): void;
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

// One call's failure is answered as that call's error (kind 'bug' when unforeseen); anything that escapes every
// call (a callback's exception, a promise nobody awaited) is logged and the service goes on.
process.on('uncaughtException', (error) => console.error(`rcf service: unexpected error, kept running: ${error.stack ?? error}`));
process.on('unhandledRejection', (error) => console.error(`rcf service: unexpected error, kept running: ${String(error)}`));

parentPort.on('message', ({ data, ports }) => {
  // Main's save dialog chose where an export may go; main hands the renderer only the token.
  const grant = ExportGrant.safeParse(data);
  if (grant.success) {
    try {
      service.grantExport(grant.data);
      parentPort.postMessage({ kind: 'export-granted', token: grant.data.token } satisfies ExportGranted);
    } catch (error) {
      console.error(`rcf service: refused an export grant: ${(error as Error).message}`);
    }
  }
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
