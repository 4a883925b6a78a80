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
import type { AppState, AppStore } from './state/app-state.js';

export interface Command {
  label: string;
  /** Shown on the toolbar (as `tool-<id>`), or only reachable from the menu and its keys. */
  toolbar: boolean;
  /** Keyboard shortcuts, e.g. 'Escape' or 'Mod+z' (Mod: Ctrl, or ⌘ on a Mac). */
  keys?: readonly string[];
  /** The tool this command arms is armed (its button shows pressed). */
  pressed?(state: AppState): boolean;
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
    'draw-rectangle': {
      label: 'Rectangle',
      toolbar: true,
      pressed: (s: AppState) => s.drawing === 'rectangle',
      run: () => area.startDrawing('rectangle'),
    },
    'draw-polygon': {
      label: 'Polygon',
      toolbar: true,
      pressed: (s: AppState) => s.drawing === 'polygon',
      run: () => area.startDrawing('polygon'),
    },
    'stop-drawing': { label: 'Stop drawing', toolbar: false, keys: ['Escape'], run: () => area.stopDrawing() },
    'undo-area': { label: 'Undo area change', toolbar: false, keys: ['Mod+z'], run: () => area.undo() },
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

/** One button per toolbar command; a tool's button shows when it is armed. */
export function toolbarButtons(commands: Record<CommandId, Command>, messages: MessageBar, store: AppStore): HTMLButtonElement[] {
  return Object.entries(commands)
    .filter(([, command]) => command.toolbar)
    .map(([id, command]) => {
      const button = el('button', { 'data-testid': `tool-${id}`, onclick: () => runCommand(command, messages) }, command.label);
      const pressed = command.pressed;
      if (pressed) store.select(pressed, (on) => button.setAttribute('aria-pressed', String(on)));
      return button;
    });
}

/** True when `event` is the shortcut `key` ('Escape', 'Mod+z', 'Shift+Mod+z'). */
export function matchesKey(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>, key: string): boolean {
  const parts = key.split('+');
  const name = parts.pop()!;
  const mod = parts.includes('Mod');
  return (
    event.key.toLowerCase() === name.toLowerCase() &&
    (event.ctrlKey || event.metaKey) === mod &&
    event.shiftKey === parts.includes('Shift') &&
    event.altKey === parts.includes('Alt')
  );
}

/**
 * Runs commands from their keys. Keys typed into a field stay the field's
 * (Ctrl+Z there undoes the typing), except Escape.
 */
export function installShortcuts(target: Window, commands: Record<CommandId, Command>, messages: MessageBar): void {
  target.addEventListener('keydown', (event) => {
    const inField = event.target instanceof HTMLElement && event.target.closest('input, select, textarea, [contenteditable]') !== null;
    for (const command of Object.values(commands) as Command[]) {
      const key = command.keys?.find((k) => matchesKey(event, k));
      if (!key || (inField && key !== 'Escape')) continue;
      event.preventDefault();
      runCommand(command, messages);
      return;
    }
  });
}
