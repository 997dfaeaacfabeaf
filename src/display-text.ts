/**
 * Text from git, pointers, remotes and file names is written by whoever could push a commit or tag, so it
 * is shown only after it is neutralised: control characters (C0, DEL, C1: ESC sequences, CR, BEL…),
 * bidirectional controls (U+202A–U+202E, U+2066–U+2069, marks) and invisible format characters become
 * visible escapes such as `\x1b` or `\u202e`. A terminal then cannot be driven (cursor moves, erased
 * lines, window titles) and a line cannot be made to read other than its bytes. `--json` output keeps
 * exact values: JSON escapes them itself.
 */

/** Invisible or reordering characters beyond C0: DEL and C1, soft hyphen, bidi marks and controls, zero-width and separators. */
const FORMAT_CHARS = '\\u007f-\\u009f\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff\\ufff9-\\ufffb';
const UNSAFE = new RegExp(`[\\u0000-\\u001f${FORMAT_CHARS}]`, 'g');
const UNSAFE_IN_JSON = new RegExp(`[${FORMAT_CHARS}]`, 'g');

function escapeChar(char: string): string {
  const code = char.charCodeAt(0);
  switch (char) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  }
}

/** One line of untrusted text, safe to print: nothing in it acts on a terminal or reorders the line. */
export function displayText(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Untrusted text over several lines: each line neutralised, the line breaks (and tabs, which cannot overwrite) kept. */
export function displayLines(text: string): string {
  return text.replace(UNSAFE, (char) => (char === '\n' || char === '\t' ? char : escapeChar(char)));
}

/** A path from a pointer, a manifest or the file system, safe to print. */
export function displayPath(path: string): string {
  return displayText(path);
}

/** A path as one word for a shell command shown in a hint: bare when plain, else single-quoted (and safe to print). */
export function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : displayText(`'${text.replace(/'/g, `'\\''`)}'`);
}

/** Raw bytes of a file name that is not UTF-8: printable ASCII as is, every other byte as `\xNN`. */
export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}

/**
 * JSON text with the characters JSON leaves raw but a terminal acts on (C1, bidi controls…) written as
 * `\uXXXX`: the values stay exact, the text stays inert.
 */
export function inertJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The SGR sequences the CLI's own colours use (bold, dim, red, green, yellow, cyan, and their resets). */
// eslint-disable-next-line no-control-regex
const OWN_STYLES = /\u001b\[(?:1|2|22|31|32|33|36|39)m/g;

/**
 * The last guard before bytes reach stdout or stderr: every control character is escaped except line
 * breaks and, when `colour` is on, the CLI's own style sequences. Renderers neutralise untrusted values
 * themselves (`displayText`); this catches anything that slipped through.
 */
export function neutraliseOutput(text: string, colour: boolean): string {
  if (!colour) return displayLines(text);
  let out = '';
  let at = 0;
  OWN_STYLES.lastIndex = 0;
  for (let match = OWN_STYLES.exec(text); match; match = OWN_STYLES.exec(text)) {
    out += displayLines(text.slice(at, match.index)) + match[0];
    at = match.index + match[0].length;
  }
  return out + displayLines(text.slice(at));
}
