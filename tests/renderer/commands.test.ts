/** The command table: every menu command runs a command of the table, the same one as its toolbar button. */
import { describe, expect, it, vi } from 'vitest';
import { MENU_COMMANDS } from '../../shared/ipc/contract.js';
import { MENU_COMMAND, commandTable, matchesKey, runCommand, type CommandFlows } from '../../renderer/src/commands.js';

function flows() {
  const calls: string[] = [];
  const record = (name: string) => vi.fn(async (...args: unknown[]) => void calls.push([name, ...args].join(' ')));
  const fake = {
    layers: { chooseRasters: record('chooseRasters') },
    area: {
      startDrawing: record('startDrawing'),
      stopDrawing: record('stopDrawing'),
      undo: record('undo'),
      importArea: record('importArea'),
      clear: record('clear'),
    },
    results: { exportShown: record('exportShown') },
    messages: { show: vi.fn((level: string, text: string) => void calls.push(`show ${level} ${text}`)), error: record('error') },
  };
  return { calls, fake, table: commandTable(fake as unknown as CommandFlows) };
}

describe('commands', () => {
  it('the toolbar, in its order, with what each button does', async () => {
    const { calls, table } = flows();
    const toolbar = Object.entries(table).filter(([, c]) => c.toolbar);
    expect(toolbar.map(([id, c]) => `${id}: ${c.label}`)).toEqual([
      'open: Open rasters…',
      'draw-rectangle: Rectangle',
      'draw-polygon: Polygon',
      'import-area: Import area…',
      'clear-area: Clear area',
      'export-csv: Export CSV…',
      'export-gpkg: Export GeoPackage…',
    ]);
    for (const [, command] of toolbar) await command.run();
    expect(calls).toEqual([
      'chooseRasters',
      'startDrawing rectangle',
      'startDrawing polygon',
      'importArea',
      'clear',
      'exportShown csv',
      'exportShown gpkg',
    ]);
  });

  it('each menu command runs its command from the table', async () => {
    const { calls, table } = flows();
    expect(Object.keys(MENU_COMMAND).sort()).toEqual([...MENU_COMMANDS].sort());
    for (const command of MENU_COMMANDS) await table[MENU_COMMAND[command]].run();
    expect(calls).toEqual([
      'chooseRasters',
      'importArea',
      'exportShown csv',
      'show info RCF Desktop: Random Convolutional Features (MOSAIKS) for satellite rasters, offline.',
    ]);
  });

  it("a command's failure, thrown or rejected, becomes a message", async () => {
    const { fake } = flows();
    const messages = fake.messages as unknown as CommandFlows['messages'];
    runCommand({ label: 'x', toolbar: false, run: () => Promise.reject(new Error('no such file or folder')) }, messages);
    const thrown = () => {
      throw new Error('bug');
    };
    runCommand({ label: 'y', toolbar: false, run: thrown }, messages);
    await vi.waitFor(() => expect(fake.messages.error).toHaveBeenCalledTimes(2));
    expect(fake.messages.error.mock.calls.map(([e]) => (e as Error).message).sort()).toEqual(['bug', 'no such file or folder']);
  });
});

describe('keyboard shortcuts', () => {
  const key = (k: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {}) => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    altKey: false,
    ...mods,
  });

  it('Escape stops drawing and Ctrl+Z (⌘Z on a Mac) undoes the area, from the table', async () => {
    const { calls, table } = flows();
    const byKey = (event: ReturnType<typeof key>) =>
      Object.values(table).filter((c) => 'keys' in c && c.keys.some((k) => matchesKey(event, k)));
    expect(byKey(key('Escape')).map((c) => c.label)).toEqual(['Stop drawing']);
    expect(byKey(key('z', { ctrlKey: true })).map((c) => c.label)).toEqual(['Undo area change']);
    expect(byKey(key('Z', { metaKey: true })).map((c) => c.label)).toEqual(['Undo area change']);
    for (const command of byKey(key('Escape'))) await command.run();
    expect(calls).toEqual(['stopDrawing']);
  });

  it('a key with other modifiers is another shortcut', () => {
    expect(matchesKey(key('z'), 'Mod+z')).toBe(false);
    expect(matchesKey(key('z', { ctrlKey: true, shiftKey: true }), 'Mod+z')).toBe(false);
    expect(matchesKey(key('z', { ctrlKey: true, shiftKey: true }), 'Shift+Mod+z')).toBe(true);
    expect(matchesKey(key('Escape', { altKey: true }), 'Escape')).toBe(false);
  });
});
