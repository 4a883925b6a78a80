/** Electron IPC channel names, shared by main and the preload. */
export const APP_CALL_CHANNEL = 'rcf:app-call';
export const APP_EVENT_CHANNEL = 'rcf:app-event';
/** Main → preload: the window's MessagePort to the service. */
export const SERVICE_PORT_CHANNEL = 'rcf:service-port';
