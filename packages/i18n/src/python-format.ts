import { icuLiteral } from './blocktrans.js';

/**
 * Python's `%` formatting of one value (printf-style, `str % args`), for messages imported from
 * gettext `.po` files flagged `python-format`. In a catalog the conversion is written as an ICU
 * number argument whose style is the conversion spec, `{size, number, %.1f}`; the message
 * formatter renders such arguments here, so `import-po` output renders as Python does: no
 * grouping, `.` as the decimal point, `%r` quoting, padding and precision.
 */

/** One conversion spec: `%-05.2f` -> flags `-0`, width 5, precision 2, type `f`. */
export interface PythonSpec {
  readonly flags: string;
  readonly width: number | undefined;
  readonly precision: number | undefined;
  readonly type: string;
}

/** A spec in a catalog's ICU number style: `%` flags width precision type (no mapping key). */
const STYLE = /^%([#0 +-]*)(\d*)(?:\.(\d*))?([diouxXeEfFgGcrsa])$/;

/** The spec an ICU number style names, or `undefined` when the style is not a Python spec. */
export function parsePythonStyle(style: string): PythonSpec | undefined {
  const match = STYLE.exec(style);
  if (!match) return undefined;
  return {
    flags: match[1]!,
    width: match[2] ? Number(match[2]) : undefined,
    precision: match[3] === undefined ? undefined : Number(match[3] || '0'),
    type: match[4]!,
  };
}

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

/** Python's `repr` of a string: single quotes unless it holds `'` and no `"`; escapes as Python writes them. */
export function pythonRepr(value: unknown): string {
  if (typeof value !== 'string') return pythonStr(value);
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of value) {
    if (char === '\\' || char === quote) out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (PRINTABLE.test(char)) out += char;
    else {
      const code = char.codePointAt(0)!;
      out +=
        code < 0x100
          ? `\\x${code.toString(16).padStart(2, '0')}`
          : code < 0x10000
            ? `\\u${code.toString(16).padStart(4, '0')}`
            : `\\U${code.toString(16).padStart(8, '0')}`;
    }
  }
  return out + quote;
}

/** Python's `str` of the values a JavaScript caller passes. */
export function pythonStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return floatRepr(value);
  return String(value);
}

function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

/** `|x|` exactly, as `digits / 10^scale` (every finite double is a finite decimal). */
function exactDecimal(x: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  if (exponent >= 0) return { digits: mantissa << BigInt(exponent), scale: 0 };
  // m / 2^k = m * 5^k / 10^k
  return { digits: mantissa * 5n ** BigInt(-exponent), scale: -exponent };
}

/** `digits / 10^shift` rounded half to even, as Python (correctly rounded) does; JS's toFixed rounds ties up. */
function divideRounded(digits: bigint, shift: number): bigint {
  if (shift <= 0) return digits * 10n ** BigInt(-shift);
  const divisor = 10n ** BigInt(shift);
  const quotient = digits / divisor;
  const twice = (digits % divisor) * 2n;
  if (twice > divisor || (twice === divisor && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

/** Python's `'%.<p>f' % abs(x)`. */
function fixed(x: number, precision: number): string {
  const { digits, scale } = exactDecimal(x);
  const text = divideRounded(digits, scale - precision)
    .toString()
    .padStart(precision + 1, '0');
  return precision === 0 ? text : `${text.slice(0, -precision)}.${text.slice(-precision)}`;
}

/** Python's `'%.<p>e' % abs(x)`: one digit, `.`, p digits, `e±XX`. */
function exponential(x: number, precision: number): string {
  const { digits, scale } = exactDecimal(x);
  let exponent = digits === 0n ? 0 : digits.toString().length - 1 - scale;
  let n = divideRounded(digits, scale + exponent - precision);
  if (n.toString().length > precision + 1) {
    exponent += 1;
    n = divideRounded(digits, scale + exponent - precision);
  }
  const text = n.toString().padStart(precision + 1, '0');
  const mantissa = precision === 0 ? text : `${text[0]}.${text.slice(1)}`;
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

function formatFloat(n: number, spec: PythonSpec): string {
  const upper = spec.type === 'F' || spec.type === 'E' || spec.type === 'G';
  if (!Number.isFinite(n)) {
    const text = Number.isNaN(n) ? 'nan' : 'inf';
    return upper ? text.toUpperCase() : text;
  }
  const abs = Math.abs(n);
  let precision = spec.precision ?? 6;
  let text: string;
  switch (spec.type.toLowerCase()) {
    case 'f':
      text = fixed(abs, precision);
      break;
    case 'e':
      text = exponential(abs, precision);
      break;
    default: {
      // %g: precision significant digits; exponent form when the exponent is < -4 or >= precision.
      if (precision === 0) precision = 1;
      const exponent = Number(exponential(abs, precision - 1).split('e')[1]);
      if (exponent < -4 || exponent >= precision) {
        text = exponential(abs, precision - 1);
        if (!spec.flags.includes('#')) text = text.replace(/\.?0+e/, 'e');
      } else {
        text = fixed(abs, Math.max(0, precision - 1 - exponent));
        if (!spec.flags.includes('#') && text.includes('.')) text = text.replace(/\.?0+$/, '');
      }
    }
  }
  if (spec.flags.includes('#') && !text.includes('.') && spec.type.toLowerCase() !== 'g') {
    text = text.replace(/^(\d+)/, '$1.');
  }
  return upper ? text.toUpperCase() : text;
}

function formatInteger(n: bigint, spec: PythonSpec): string {
  const abs = n < 0n ? -n : n;
  switch (spec.type) {
    case 'x':
      return (spec.flags.includes('#') ? '0x' : '') + abs.toString(16);
    case 'X':
      return (spec.flags.includes('#') ? '0X' : '') + abs.toString(16).toUpperCase();
    case 'o':
      return (spec.flags.includes('#') ? '0o' : '') + abs.toString(8);
    default: {
      const text = abs.toString();
      return spec.precision === undefined ? text : text.padStart(spec.precision, '0');
    }
  }
}

/** A number for the numeric conversions, as Python's `%` accepts one; `undefined` when it would refuse. */
function asNumber(value: unknown): number | bigint | undefined {
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/**
 * Formats `value` as Python's `'%<spec>' % value` does. A value Python would refuse for a
 * numeric conversion (a string for `%d`) is written with `str`, rather than failing a page.
 */
export function formatPython(spec: PythonSpec, value: unknown): string {
  let sign = '';
  let body: string;
  const numeric = !'rsac'.includes(spec.type);
  const n = numeric ? asNumber(value) : undefined;
  if (spec.type === 's') body = pythonStr(value);
  else if (spec.type === 'r' || spec.type === 'a') body = pythonRepr(value);
  else if (spec.type === 'c') body = typeof value === 'number' ? String.fromCodePoint(value) : String(value);
  else if (n === undefined) body = pythonStr(value);
  else if ('diouxX'.includes(spec.type)) {
    const int = typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
    if (int < 0n) sign = '-';
    body = formatInteger(int, spec);
  } else {
    const float = Number(n);
    if (float < 0 || Object.is(float, -0)) sign = '-';
    body = formatFloat(float, spec);
  }
  if (!numeric && spec.precision !== undefined) body = body.slice(0, spec.precision);
  if (numeric && n !== undefined && sign === '')
    sign = spec.flags.includes('+') ? '+' : spec.flags.includes(' ') ? ' ' : '';
  const width = spec.width ?? 0;
  const length = sign.length + [...body].length;
  if (length >= width) return sign + body;
  const pad = width - length;
  if (spec.flags.includes('-')) return sign + body + ' '.repeat(pad);
  if (spec.flags.includes('0') && numeric && n !== undefined) {
    // Zero padding goes after the sign and after a `0x` prefix.
    const prefix = /^0[xXo]/.test(body) ? body.slice(0, 2) : '';
    return sign + prefix + '0'.repeat(pad) + body.slice(prefix.length);
  }
  return ' '.repeat(pad) + sign + body;
}

/** Python's conversion specs: `%(name)s`, `%d`, `%-5.1f`, `%%`. */
const PYTHON_SPEC = /%(?:\((\w+)\))?([#0 +-]*)(\d*)(?:\.(\d*))?([diouxXeEfFgGcrsa%])/g;

/**
 * Converts Python-format text to ICU so that it renders as Python's `%` does: `%(name)s`,
 * `%(n)d` and `%s` (positional, as `{0}`, `{1}`…) become plain `{arguments}` (no grouping);
 * a spec with flags, width or precision, or a `r`/`f`/`x`/… conversion becomes a number argument
 * styled by the spec (`%(size).1f` -> `{size, number, %.1f}`), which the message formatter
 * renders with Python's rules; `%%` is `%`; literal braces, apostrophes (and `#` in plural
 * branches) are quoted. In plural branches the count stays `{count}`: Python does not group it.
 */
export function pythonFormatToIcu(text: string, countName?: string): string {
  const inPlural = countName !== undefined;
  let out = '';
  let last = 0;
  let position = 0;
  for (const match of text.matchAll(PYTHON_SPEC)) {
    const [whole, name, flags = '', width = '', precision, type = 's'] = match;
    out += icuLiteral(text.slice(last, match.index), inPlural);
    last = match.index + whole.length;
    if (type === '%') {
      out += '%';
      continue;
    }
    const argument = name ?? String(position++);
    const plain = flags === '' && width === '' && precision === undefined && 'sdiu'.includes(type);
    out += plain
      ? `{${argument}}`
      : `{${argument}, number, %${flags}${width}${precision === undefined ? '' : `.${precision}`}${type}}`;
  }
  return out + icuLiteral(text.slice(last), inPlural);
}
