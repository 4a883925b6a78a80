/**
 * The app's commands, in one table: the toolbar is built from it and the app
 * menu's commands run from it, so a button and its menu item do the same.
 * Every menu command must map to a command here (checked at compile time).
 */
import type { EventPayload } from '../../shared/ipc/contract.js';
import type { AreaController } from './area/area-controller.js';
import type { LayersController } from './layers/layers-controller.js';
import type { ResultsController } from './results/results-controller.js';
import type { MessageBar } from './ui/messages.js';
import { el } from './ui/dom.js';

export interface Command {
  label: string;
  /** Shown on the toolbar (as `tool-<id>`), or only reachable from the menu. */
  toolbar: boolean;
  run(): void | Promise<void>;
}

export interface CommandFlows {
  layers: LayersController;
  area: AreaController;
  results: ResultsController;
  messages: MessageBar;
}

const ABOUT = 'RCF Desktop: Random Convolutional Features (MOSAIKS) for satellite rasters, offline.';

/** In toolbar order. */
export function commandTable({ layers, area, results, messages }: CommandFlows) {
  return {
    open: { label: 'Open rasters…', toolbar: true, run: () => layers.chooseRasters() },
    'draw-rectangle': { label: 'Rectangle', toolbar: true, run: () => area.startDrawing('rectangle') },
    'draw-polygon': { label: 'Polygon', toolbar: true, run: () => area.startDrawing('polygon') },
    'import-area': { label: 'Import area…', toolbar: true, run: () => area.importArea() },
    'clear-area': { label: 'Clear area', toolbar: true, run: () => area.clear() },
    'export-csv': { label: 'Export CSV…', toolbar: true, run: () => results.exportShown('csv') },
    'export-gpkg': { label: 'Export GeoPackage…', toolbar: true, run: () => results.exportShown('gpkg') },
    about: { label: 'About', toolbar: false, run: () => void messages.show('info', ABOUT) },
  } satisfies Record<string, Command>;
}

export type CommandId = keyof ReturnType<typeof commandTable>;
export type MenuCommand = EventPayload<'menu'>['command'];

/** The command each item of the app menu runs. */
export const MENU_COMMAND = {
  'open-rasters': 'open',
  'open-area': 'import-area',
  export: 'export-csv',
  about: 'about',
} as const satisfies Record<MenuCommand, CommandId>;

/** Runs a command; its failure becomes a message. */
export function runCommand(command: Command, messages: MessageBar): void {
  Promise.resolve()
    .then(() => command.run())
    .catch((error: unknown) => messages.error(error));
}

/** One button per toolbar command. */
export function toolbarButtons(commands: Record<CommandId, Command>, messages: MessageBar): HTMLButtonElement[] {
  return Object.entries(commands)
    .filter(([, command]) => command.toolbar)
    .map(([id, command]) => el('button', { 'data-testid': `tool-${id}`, onclick: () => runCommand(command, messages) }, command.label));
}
