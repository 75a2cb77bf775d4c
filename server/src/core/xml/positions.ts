/** LSP positions: 0-based line and UTF-16 character (JavaScript string offsets are UTF-16 already). */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Offset span in a text; converted to a Range only at the edge (diagnostics, LSP, CLI). */
export interface Span {
  start: number;
  end: number;
}

/** Maps offsets to line/character. Line breaks: \n, \r\n, \r (as LSP). */
export class LineIndex {
  private readonly starts: number[];

  constructor(private readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }

  offset(position: Position): number {
    const line = Math.max(0, Math.min(position.line, this.starts.length - 1));
    const lineStart = this.starts[line];
    const lineEnd = line + 1 < this.starts.length ? this.starts[line + 1] : this.text.length;
    return Math.min(lineStart + Math.max(0, position.character), lineEnd);
  }

  range(span: Span): Range {
    return { start: this.position(span.start), end: this.position(span.end) };
  }
}
