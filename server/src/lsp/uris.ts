/**
 * One canonical form for every document URI the server keys by. Clients write the same file in
 * different spellings (Neovim: `file:///…/pr%c3%bcf%20dir/…`, VS Code and Node: `%C3%BC`); compared as
 * strings, an open buffer and its file on disk became two documents (a rename edited the file twice).
 * So each URI is parsed to a path once and written back by Node (`pathToFileURL`), and answers name a
 * document the way the client that opened it did, so its edits land in its buffer.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';

export function canonicalUri(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return pathToFileURL(fileURLToPath(uri)).toString();
  } catch {
    return uri;
  }
}

/** The URIs open documents were opened under, by canonical URI. */
export class ClientUris {
  private readonly byCanonical = new Map<string, string>();

  /** Remembers how the client names a document; returns the canonical URI. */
  opened(clientUri: string): string {
    const c = canonicalUri(clientUri);
    this.byCanonical.set(c, clientUri);
    return c;
  }

  closed(clientUri: string): string {
    const c = canonicalUri(clientUri);
    this.byCanonical.delete(c);
    return c;
  }

  toClient(uri: string): string {
    return this.byCanonical.get(uri) ?? uri;
  }

  /**
   * An answer with every document URI in the client's spelling: `uri`/`targetUri` properties and the
   * keys of a WorkspaceEdit's `changes` (the shapes LSP results carry URIs in).
   */
  outgoing<T>(value: T): T {
    return this.map(value) as T;
  }

  private map(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.map(x));
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'uri' || k === 'targetUri') && typeof x === 'string') out[k] = this.toClient(x);
      else if (k === 'changes' && typeof x === 'object' && x !== null && !Array.isArray(x)) {
        const changes: Record<string, unknown> = {};
        for (const [u, edits] of Object.entries(x)) changes[this.toClient(u)] = edits;
        out[k] = changes;
      } else out[k] = this.map(x);
    }
    return out;
  }
}
