/**
 * Sends the requests of a `.http` file in REST Client's form, in order, as a person clicking "Send Request"
 * on each would: file variables (`@name = value`), named requests (`# @name x`) and references to an
 * earlier answer (`{{x.response.body.$.path}}`, a JSONPath of dots and [n]). Only that subset: it is what
 * `requests` writes, and REST Client itself cannot run here (httpyac sends the other dialect in the mocha tests).
 */
export interface Answer {
  method: string;
  url: string;
  status: number;
  body: unknown;
}

export async function sendHttpFile(text: string): Promise<Answer[]> {
  const vars = new Map<string, string>();
  const named = new Map<string, unknown>();
  const answers: Answer[] = [];
  const resolve = (s: string): string =>
    s.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (whole, ref: string) => {
      const m = /^(\w+)\.response\.body\.\$(.*)$/.exec(ref);
      if (m) {
        if (!named.has(m[1])) throw new Error(`${whole}: no answer named ${m[1]} yet`);
        let v: any = named.get(m[1]);
        for (const step of m[2].match(/\.[^.[]+|\[\d+\]/g) ?? []) v = v?.[step.startsWith('[') ? Number(step.slice(1, -1)) : step.slice(1)];
        if (v === undefined) throw new Error(`${whole}: nothing at that path`);
        return String(v);
      }
      if (!vars.has(ref)) throw new Error(`${whole}: unknown variable`);
      return vars.get(ref)!;
    });
  for (const block of text.split(/^###.*$/m)) {
    let name: string | undefined;
    const lines = block.split('\n');
    let i = 0;
    let request: string | undefined;
    for (; i < lines.length; i++) {
      const line = lines[i].trim();
      const variable = /^@(\w+)\s*=\s*(.*)$/.exec(line);
      if (variable) vars.set(variable[1], resolve(variable[2]));
      const n = /^#\s*@name\s+(\w+)/.exec(line);
      if (n) name = n[1];
      if (/^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s/.test(line)) {
        request = line;
        i++;
        break;
      }
    }
    if (!request) continue;
    const headers: Record<string, string> = {};
    for (; i < lines.length && lines[i].trim() !== ''; i++) {
      const h = /^([\w-]+):\s*(.*)$/.exec(lines[i].trim());
      if (h) headers[h[1]] = resolve(h[2]);
    }
    const body = lines.slice(i).filter((l) => !l.trim().startsWith('#')).join('\n').trim();
    const [method, target] = resolve(request).split(/\s+/);
    const res = await fetch(target, { method, headers, body: body ? resolve(body) : undefined });
    const answerText = await res.text();
    const parsed = answerText ? JSON.parse(answerText) : undefined;
    if (name) named.set(name, parsed);
    answers.push({ method, url: target, status: res.status, body: parsed });
  }
  return answers;
}
