/** The application menu; commands that the renderer carries out are sent to it as `menu` events. */
import { Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import type { MENU_COMMANDS } from '../../shared/ipc/contract.js';
import { APP_EVENT_CHANNEL } from '../../shared/ipc/channels.js';

type Command = (typeof MENU_COMMANDS)[number];

export function buildMenu(window: () => BrowserWindow | null): Menu {
  const send = (command: Command) => () => window()?.webContents.send(APP_EVENT_CHANNEL, 'menu', { command });
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open Rasters…', accelerator: 'CmdOrCtrl+O', click: send('open-rasters') },
        { label: 'Import Area…', accelerator: 'CmdOrCtrl+Shift+A', click: send('open-area') },
        { label: 'Export Results…', accelerator: 'CmdOrCtrl+E', click: send('export') },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'About RCF Desktop', click: send('about') }] },
  ];
  return Menu.buildFromTemplate(template);
}
