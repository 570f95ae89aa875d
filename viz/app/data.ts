// Where the panels get a run's files: the viz server over HTTP, or the data inlined in an
// exported report (no server, file://). Paths are relative to the run directory.

export interface DataSource {
  /** The run's name (its directory name under ROOT). */
  readonly run: string;
  text(path: string): Promise<string>;
  json<T>(path: string): Promise<T>;
  bytes(path: string): Promise<ArrayBuffer>;
  /** Whether the run has this file (false for a missing file; other errors throw). */
  has(path: string): Promise<boolean>;
  /** True when files can change while the page is open (a run going on); false in an export. */
  readonly live: boolean;
}

export class FileMissing extends Error {}

/** `/files/<run>/<path>` on the viz server. */
export class HttpSource implements DataSource {
  readonly live = true;
  constructor(readonly run: string) {}
  private url(path: string): string {
    return `/files/${this.run.split('/').map(encodeURIComponent).join('/')}/${path.split('/').map(encodeURIComponent).join('/')}`;
  }
  private async get(path: string): Promise<Response> {
    const r = await fetch(this.url(path), { cache: 'no-store' });
    if (r.status === 404) throw new FileMissing(`${this.run}/${path}: not found`);
    if (!r.ok) throw new Error(`${this.run}/${path}: HTTP ${r.status} ${await r.text()}`);
    return r;
  }
  async text(path: string): Promise<string> {
    return (await this.get(path)).text();
  }
  async json<T>(path: string): Promise<T> {
    return JSON.parse(await this.text(path)) as T;
  }
  async bytes(path: string): Promise<ArrayBuffer> {
    return (await this.get(path)).arrayBuffer();
  }
  async has(path: string): Promise<boolean> {
    const r = await fetch(this.url(path), { method: 'HEAD', cache: 'no-store' });
    return r.ok;
  }
}

/** What `springtail viz RUN --export` inlines into the HTML file. */
export interface ExportedRun {
  run: string;
  kind: string;
  /** path → file content: text as is, binary as base64. */
  files: Record<string, { text: string } | { base64: string }>;
}

export class InlineSource implements DataSource {
  readonly live = false;
  readonly run: string;
  constructor(private readonly data: ExportedRun) {
    this.run = data.run;
  }
  private entry(path: string) {
    const e = Object.hasOwn(this.data.files, path) ? this.data.files[path] : undefined;
    if (!e) throw new FileMissing(`${this.run}/${path}: not in this export`);
    return e;
  }
  async text(path: string): Promise<string> {
    const e = this.entry(path);
    return 'text' in e ? e.text : new TextDecoder().decode(fromBase64(e.base64));
  }
  async json<T>(path: string): Promise<T> {
    return JSON.parse(await this.text(path)) as T;
  }
  async bytes(path: string): Promise<ArrayBuffer> {
    const e = this.entry(path);
    const u = 'text' in e ? new TextEncoder().encode(e.text) : fromBase64(e.base64);
    return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
  }
  async has(path: string): Promise<boolean> {
    return Object.hasOwn(this.data.files, path);
  }
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** metrics.jsonl / generations.jsonl → records (a torn last line of a run going on is skipped). */
export function parseJsonl<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a line being appended right now
    }
  }
  return out;
}
