// The closing line of every command that writes a run directory: how to look at it.

/** POSIX shell quoting, only when the path needs it. */
function shellQuote(s: string): string {
  return /^[\w./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function vizHint(dir: string): string {
  return `see it in the browser: npx springtail viz ${shellQuote(dir)}\n`;
}
