// The data folder holds the store (agents' password hashes, sessions, and in outbox mode every
// mail body), the generated secrets and the search index's snapshot: none of it is for other
// accounts on the host. The folder is 0700 and every file in it 0600, whatever the umask.
import fs from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates the data folder owner-only, or takes the group and other bits off one that exists
 * (a folder made by an earlier version). A folder the process does not own is left as it is:
 * the files in it are still created owner-only.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  restrict(dir, PRIVATE_DIR_MODE);
}

/** Creates `file` empty and owner-only if it does not exist, so whatever opens it next keeps that mode. */
export function createPrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
  restrict(file, PRIVATE_FILE_MODE);
}

/** Takes away any permission beyond `allowed` from each file that exists (one left by an earlier version). */
export function restrictFiles(files: string[], allowed = PRIVATE_FILE_MODE): void {
  for (const file of files) restrict(file, allowed);
}

function restrict(file: string, allowed: number): void {
  try {
    const mode = fs.statSync(file).mode & 0o777;
    if ((mode & ~allowed) !== 0) fs.chmodSync(file, mode & allowed);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EPERM') throw err;
  }
}
