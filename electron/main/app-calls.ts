/**
 * The app calls main answers (native dialogs, restarting the service), over
 * one IPC channel. Each call is checked twice: the sender must be the app's
 * own top frame, and the name and payload must match the contract.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent, type OpenDialogOptions, type SaveDialogOptions } from 'electron';
import { appCalls, describeInvalid, isAppCall, type AppHandlers, type SaveFormat } from '../../shared/ipc/contract.js';
import { isAppUrl } from './policy.js';
import { APP_CALL_CHANNEL } from '../../shared/ipc/channels.js';
import { outcomeOf } from '../../shared/ipc/api.js';
import { UserError } from '../../shared/errors/index.js';

const RASTERS = [{ name: 'GeoTIFF', extensions: ['tif', 'tiff', 'gtiff'] }];
const AREAS = [{ name: 'Areas (GeoJSON, GeoPackage)', extensions: ['geojson', 'json', 'gpkg'] }];
const LABELS = [{ name: 'Labels (CSV, GeoJSON, GeoPackage, GeoTIFF)', extensions: ['csv', 'geojson', 'json', 'gpkg', 'tif', 'tiff'] }];
/** The save dialog's filter for each export format. */
const SAVE_FILTERS: Record<SaveFormat, FileFilter> = {
  csv: { name: 'CSV', extensions: ['csv'] },
  gpkg: { name: 'GeoPackage', extensions: ['gpkg'] },
  tif: { name: 'GeoTIFF', extensions: ['tif', 'tiff'] },
  json: { name: 'Model file (JSON)', extensions: ['json'] },
};

type FileFilter = { name: string; extensions: string[] };

/** What main needs of the service host: a restart, and handing it an export location the user chose. */
export interface AppServices {
  restartService(): void;
  grantExport(path: string, format: SaveFormat, replace: boolean): Promise<string>;
}

function handlersFor(window: () => BrowserWindow | null, services: AppServices): AppHandlers {
  // Dialogs are modal to the window when there is one.
  const showOpen = (options: OpenDialogOptions) => {
    const owner = window();
    return owner ? dialog.showOpenDialog(owner, options) : dialog.showOpenDialog(options);
  };
  const openOne = async (filters: FileFilter[]) => {
    const result = await showOpen({ properties: ['openFile'], filters });
    return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
  };
  return {
    async chooseRasters() {
      const result = await showOpen({ properties: ['openFile', 'multiSelections'], filters: RASTERS });
      return { paths: result.canceled ? [] : result.filePaths };
    },
    async chooseArea() {
      return { path: await openOne(AREAS) };
    },
    async chooseWeights() {
      return { path: await openOne([{ name: 'NumPy weights', extensions: ['npy'] }]) };
    },
    async chooseLabels() {
      return { path: await openOne(LABELS) };
    },
    async chooseExportPath({ format, suggestedName }) {
      const options: SaveDialogOptions = {
        defaultPath: basename(suggestedName),
        filters: [SAVE_FILTERS[format]],
        // Linux's dialog asks before replacing a file only when told to (macOS and Windows always do).
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      };
      const owner = window();
      const result = owner ? await dialog.showSaveDialog(owner, options) : await dialog.showSaveDialog(options);
      if (result.canceled || !result.filePath) return { token: null, name: null };
      // The renderer gets a token, never a path to write: the service writes only where the user chose here.
      const replace = existsSync(result.filePath);
      return { token: await services.grantExport(result.filePath, format, replace), name: basename(result.filePath) };
    },
    async restartService() {
      services.restartService();
      return {};
    },
  };
}

export function handleAppCalls(window: () => BrowserWindow | null, services: AppServices): void {
  const handlers = handlersFor(window, services);
  // The answer is an outcome, so that a refusal keeps its kind on the way to the page.
  ipcMain.handle(APP_CALL_CHANNEL, (event: IpcMainInvokeEvent, name: unknown, payload: unknown) =>
    outcomeOf(
      (async () => {
        const frameUrl = event.senderFrame?.url ?? '';
        if (!isAppUrl(frameUrl) || event.senderFrame?.parent !== null) throw new UserError('refused: not the app window', { kind: 'bug' });
        if (typeof name !== 'string' || !isAppCall(name)) throw new UserError(`unknown call '${String(name)}'`, { kind: 'bug' });
        const request = appCalls[name].request.safeParse(payload);
        if (!request.success) throw new UserError(describeInvalid(name, request.error));
        const handler = handlers[name] as (request: unknown) => Promise<unknown>;
        return appCalls[name].response.parse(await handler(request.data));
      })(),
    ),
  );
}
