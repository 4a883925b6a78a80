/**
 * The message bar: errors and notices as readable one-liners, newest on top,
 * each dismissable, at most a few at once over the map; information and
 * warnings fade. Every message also goes to the message log behind the
 * header's Messages button. Uncaught errors land here too, never as a blank window.
 */
import { kindOf } from '../../../shared/errors/index.js';
import { el } from './dom.js';

export type MessageLevel = 'error' | 'warning' | 'info';

/** A button on a message, e.g. Restart. */
export interface MessageAction {
  label: string;
  run(): void;
}

/** Toasts shown at once; older ones leave the map but stay in the log. */
const SHOWN = 3;
/** Messages the log keeps. */
const LOGGED = 200;
/** How long each level stays on the map, in ms (errors: until dismissed, or pushed out by newer ones). */
const FADE_MS: Record<MessageLevel, number | null> = { info: 8000, warning: 20000, error: null };

interface LoggedMessage {
  level: MessageLevel;
  text: string;
  time: Date;
}

export class MessageBar {
  private readonly root: HTMLElement;
  private readonly log: LoggedMessage[] = [];
  private readonly bell: HTMLButtonElement | null;
  private readonly logPanel: HTMLElement | null;
  private unread = 0;

  /** `bell` opens `logPanel`, the log of every message (dismissed ones too); its badge counts unread errors and warnings. */
  constructor(root: HTMLElement, log?: { bell: HTMLButtonElement; panel: HTMLElement }) {
    this.root = root;
    this.bell = log?.bell ?? null;
    this.logPanel = log?.panel ?? null;
    this.bell?.addEventListener('click', () => this.toggleLog());
    this.updateBell();
  }

  /** Shows a message (with an optional action button); returns the function that takes it away. */
  show(level: MessageLevel, text: string, action?: MessageAction): () => void {
    this.record(level, text);
    // The same message again moves to the top instead of stacking up.
    for (const existing of [...this.root.children]) {
      if (existing.classList.contains(level) && existing.firstElementChild?.textContent === text) existing.remove();
    }
    const role = level === 'error' ? 'alert' : 'status';
    const item = el('div', { class: `message ${level}`, role, 'data-testid': `message-${level}` }, el('span', {}, text));
    if (action) item.append(el('button', { 'data-testid': 'message-action', onclick: () => action.run() }, action.label));
    item.append(el('button', { class: 'dismiss', title: 'Dismiss (it stays in the message log)', onclick: () => item.remove() }, '×'));
    this.root.prepend(item);
    while (this.root.children.length > SHOWN) this.root.lastElementChild?.remove();
    const fade = FADE_MS[level];
    if (fade !== null) setTimeout(() => item.remove(), fade);
    return () => item.remove();
  }

  private record(level: MessageLevel, text: string): void {
    this.log.unshift({ level, text, time: new Date() });
    this.log.length = Math.min(this.log.length, LOGGED);
    if (level !== 'info' && this.logPanel?.hidden !== false) this.unread++;
    this.updateBell();
    if (this.logPanel && !this.logPanel.hidden) this.renderLog();
  }

  private updateBell(): void {
    if (!this.bell) return;
    this.bell.textContent = this.unread > 0 ? `Messages (${this.unread})` : 'Messages';
    this.bell.classList.toggle('unread', this.unread > 0);
    this.bell.setAttribute('aria-expanded', String(this.logPanel?.hidden === false));
  }

  private toggleLog(): void {
    if (!this.logPanel) return;
    this.logPanel.hidden = !this.logPanel.hidden;
    if (!this.logPanel.hidden) {
      this.unread = 0;
      this.renderLog();
    }
    this.updateBell();
  }

  private renderLog(): void {
    const entries = this.log.map((m) =>
      el(
        'li',
        { class: `logged ${m.level}`, 'data-testid': 'logged-message' },
        el('time', {}, m.time.toTimeString().slice(0, 8)),
        ` ${m.text}`,
      ),
    );
    this.logPanel!.replaceChildren(entries.length ? el('ul', {}, ...entries) : el('p', { class: 'empty' }, 'No messages yet.'));
  }

  /**
   * Shows a failed call by its kind: bad input as it is (the message says what to fix), a bug as
   * unexpected, to report. A cancelled call is not a failure, and a lost service has its own banner.
   */
  error(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    switch (kindOf(error)) {
      case 'cancelled':
      case 'disconnected':
        return;
      case 'bad-input':
        this.show('error', message);
        return;
      case 'bug':
        this.show('error', `Unexpected error: ${message}. Please report it.`);
    }
  }

  /** Routes uncaught errors and rejections of the page here. */
  catchUncaught(): void {
    window.addEventListener('error', (event) => this.error(event.error ?? event.message));
    window.addEventListener('unhandledrejection', (event) => this.error(event.reason));
  }
}
