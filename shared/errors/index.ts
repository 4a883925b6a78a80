/**
 * One error model for the whole app. Errors a person can act on extend
 * `UserError`: a one-line message in the words of the screen it appears on, a
 * kind, and (optionally) the file it is about. Anything else that is thrown is
 * a bug. The CLI tests one `instanceof`; the RPC carries the kind, so the app
 * can show "cancelled", "bad input" and "bug" differently.
 */

/**
 * - `bad-input`: the user's files or settings are wrong; fix them and retry.
 * - `cancelled`: the user (or a newer request) cancelled the work.
 * - `disconnected`: the service that does the work stopped.
 * - `bug`: anything unforeseen.
 */
export const ERROR_KINDS = ['bad-input', 'cancelled', 'disconnected', 'bug'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export class UserError extends Error {
  override name = 'UserError';
  readonly kind: ErrorKind;
  /** The file the error is about, as the caller passed it (messages show only its base name). */
  readonly path?: string;

  constructor(message: string, options: { kind?: ErrorKind; path?: string } = {}) {
    super(oneLine(message));
    this.kind = options.kind ?? 'bad-input';
    if (options.path !== undefined) this.path = options.path;
  }

  /**
   * The message with the settings it names called as `nameOf` calls them: the
   * CLI passes its flags; `message` names them as the app does. Errors that
   * name no setting have one wording.
   */
  describe(nameOf: (setting: string) => string): string {
    void nameOf;
    return this.message;
  }
}

/** Work stopped because someone asked it to: not a failure to report as one. */
export class CancelledError extends UserError {
  override name = 'CancelledError';
  constructor(message = 'cancelled') {
    super(message, { kind: 'cancelled' });
  }
}

/** Stops work that was asked to stop: the one check every step of a long task makes. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** The kind of anything thrown: a UserError's own, otherwise a bug. */
export function kindOf(error: unknown): ErrorKind {
  return error instanceof UserError ? error.kind : 'bug';
}

export function isCancelled(error: unknown): boolean {
  return error instanceof UserError && error.kind === 'cancelled';
}

/** The one wording for a file that is not there, used by every module. */
export const MISSING_FILE = 'no such file or folder';

/** What a file system error code means to a person; null for codes with no plain wording. */
export function fileProblem(code: unknown): string | null {
  switch (code) {
    case 'ENOENT':
      return MISSING_FILE;
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return null;
  }
}

/** A path that is a URL (`https://…`, `s3://…`, `file://…`): named whole in messages, never read as a file. */
export function isUrl(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}

/** The last part of a path, for messages (shared/ cannot use node:path; both separators count); a URL whole. */
export function fileLabel(path: string): string {
  if (isUrl(path)) return path;
  const parts = path.split(/[\\/]/).filter((part) => part !== '');
  return parts.at(-1) ?? (path || '(no path)');
}

/** Collapses whitespace and control characters so a message never spans lines. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
}

/** A count with its noun: "1 cell", "2 cells" (`plural` for nouns that do not just add an s). */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
