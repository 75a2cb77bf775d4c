/**
 * Which notation a text is in. Kept apart from the evaluators so that what only needs to tell (the
 * rules, on every keystroke) does not load jexl and feelin.
 */
export type Notation = 'juel' | 'feel' | 'text';

export function notationOf(text: string): Notation {
  const t = text.trim();
  if (t.startsWith('=')) return 'feel';
  if (t.includes('${') || t.includes('#{')) return 'juel';
  return 'text';
}
