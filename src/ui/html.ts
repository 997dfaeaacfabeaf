/**
 * Building HTML safely. Everything the dashboard shows comes from git (tag messages, tagger names,
 * pointer contents), so text is escaped by default: `html` escapes every interpolated value except
 * fragments that are themselves `Html` (built by `html`, or constant markup wrapped with `trusted`).
 */
import { displayLines } from '../display-text.js';

export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text made safe for element content and quoted attribute values. Control and bidirectional characters
 * are shown as visible escapes (as on the terminal), so a tag message cannot make a line read backwards.
 */
export function escapeHtml(text: string): string {
  return displayLines(text).replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

/** A value in a template: Html as is; arrays joined; null, undefined and false as nothing; the rest escaped as text. */
export type Renderable = Html | string | number | boolean | null | undefined | Renderable[];

function render(value: Renderable): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Tagged template: the literal parts are markup, the interpolations are escaped. */
export function html(strings: TemplateStringsArray, ...values: Renderable[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Markup written in this code base (never text read from git). */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** Items joined by a separator, all escaped unless Html. */
export function join(items: Renderable[], separator: Renderable): Html {
  return new Html(items.map(render).join(render(separator)));
}
