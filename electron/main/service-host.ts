/**
 * Starts the featurizer service (a utility process, so heavy work never
 * touches main or the window) and connects each window to it directly with
 * a MessagePort pair: calls and progress never pass through main.
 */
import { MessageChannelMain, utilityProcess, type BrowserWindow, type UtilityProcess } from 'electron';
import { SERVICE_PORT_CHANNEL } from '../../shared/ipc/channels.js';

export interface ServiceHost {
  /** Gives the window its own port to the service (again after each reload). */
  connect(window: BrowserWindow): void;
  stop(): void;
}

export function startService(entry: string, dataDir: string, onExit: (code: number) => void): ServiceHost {
  const child: UtilityProcess = utilityProcess.fork(entry, ['--data-dir', dataDir], { serviceName: 'RCF featurizer', stdio: 'inherit' });
  child.on('exit', (code) => onExit(code));

  return {
    connect(window) {
      const { port1, port2 } = new MessageChannelMain();
      child.postMessage({ kind: 'connect' }, [port1]);
      window.webContents.postMessage(SERVICE_PORT_CHANNEL, null, [port2]);
    },
    stop() {
      child.kill();
    },
  };
}
