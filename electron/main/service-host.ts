/**
 * Starts the featurizer service (a utility process, so heavy work never
 * touches main or the window) and connects each window to it directly with
 * a MessagePort pair: calls and progress never pass through main.
 */
import { randomBytes } from 'node:crypto';
import { MessageChannelMain, utilityProcess, type BrowserWindow, type UtilityProcess } from 'electron';
import { SERVICE_PORT_CHANNEL } from '../../shared/ipc/channels.js';
import { ExportGranted, type ExportGrant, type SaveFormat } from '../../shared/ipc/contract.js';

/** How long main waits for the service to take an export grant. */
const GRANT_MS = 5000;

export interface ServiceHost {
  /** Gives the window its own port to the service (again after each reload); false when the service has stopped. */
  connect(window: BrowserWindow): boolean;
  /** Starts a new service in place of the current one (stopping it first if it still runs) and connects the window to it. */
  restart(window: BrowserWindow): void;
  /**
   * Lets the service write one export to `path` (chosen in the save dialog; `replace`: the dialog confirmed
   * replacing an existing file) and returns the token the renderer passes to exportRun.
   */
  grantExport(path: string, format: SaveFormat, replace: boolean): Promise<string>;
  stop(): void;
}

/** `onUnexpectedExit`: the service exited without being asked to (stop and restart ask). */
export function startService(entry: string, dataDir: string, onUnexpectedExit: (code: number) => void): ServiceHost {
  let child: UtilityProcess | null = null;
  const fork = () => {
    const started = utilityProcess.fork(entry, ['--data-dir', dataDir], { serviceName: 'RCF featurizer', stdio: 'inherit' });
    started.on('exit', (code) => {
      if (child !== started) return;
      child = null;
      onUnexpectedExit(code);
    });
    child = started;
  };
  const stop = () => {
    const running = child;
    child = null;
    running?.kill();
  };
  const connect = (window: BrowserWindow) => {
    if (!child) return false;
    const { port1, port2 } = new MessageChannelMain();
    child.postMessage({ kind: 'connect' }, [port1]);
    window.webContents.postMessage(SERVICE_PORT_CHANNEL, null, [port2]);
    return true;
  };
  fork();

  return {
    connect,
    restart(window) {
      stop();
      fork();
      connect(window);
    },
    grantExport(path, format, replace) {
      const service = child;
      if (!service) return Promise.reject(new Error('The featurizer service stopped.'));
      const token = randomBytes(24).toString('base64url');
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          service.off('message', onMessage);
          reject(new Error('the featurizer service did not take the export location; try again'));
        }, GRANT_MS);
        const onMessage = (message: unknown) => {
          const granted = ExportGranted.safeParse(message);
          if (!granted.success || granted.data.token !== token) return;
          clearTimeout(timer);
          service.off('message', onMessage);
          resolve(token);
        };
        service.on('message', onMessage);
        service.postMessage({ kind: 'grant-export', token, path, format, replace } satisfies ExportGrant);
      });
    },
    stop,
  };
}
