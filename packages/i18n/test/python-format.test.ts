import { describe, expect, it } from 'vitest';
import { formatPython, parsePythonStyle } from '../src/python-format.js';

// Expected outputs: what CPython 3.11.7 prints for `spec % value` on each row (ties such as
// 0.25 and 2.5 round half to even there; JavaScript's toFixed rounds them up).
const CASES: [spec: string, value: unknown, expected: string][] = [
  ['%.1f', 1234.5678, '1234.6'],
  ['%.0f', 2.5, '2'],
  ['%.2f', -0.005, '-0.01'],
  ['%5.1f', 3.14169, '  3.1'],
  ['%-8.3f', 3.14169, '3.142   '],
  ['%08.2f', -3.14169, '-0003.14'],
  ['%+d', 5, '+5'],
  ['% d', 5, ' 5'],
  ['%05d', -42, '-0042'],
  ['%d', 1234567, '1234567'],
  ['%d', -7.9, '-7'],
  ['%x', 255, 'ff'],
  ['%#x', 255, '0xff'],
  ['%X', 48879, 'BEEF'],
  ['%#o', 8, '0o10'],
  ['%e', 12345.678, '1.234568e+04'],
  ['%.2E', 0.000123, '1.23E-04'],
  ['%g', 1234567.0, '1.23457e+06'],
  ['%g', 0.0001, '0.0001'],
  ['%g', 1.234e-5, '1.234e-05'],
  ['%.3g', 3.14169, '3.14'],
  ['%#g', 1.5, '1.50000'],
  ['%G', 1e-10, '1E-10'],
  ['%r', 'Ana', "'Ana'"],
  ['%r', "it's", '"it\'s"'],
  ['%r', 'say "hi"\n', '\'say "hi"\\n\''],
  ['%r', 'both \' and "', "'both \\' and \"'"],
  ['%s', 'Ana', 'Ana'],
  ['%.2s', 'Ana', 'An'],
  ['%5s', 'ab', '   ab'],
  ['%-5s', 'ab', 'ab   '],
  ['%c', 65, 'A'],
  ['%f', Number.POSITIVE_INFINITY, 'inf'],
  ['%F', Number.NaN, 'NAN'],
  ['%.1f', 0.05, '0.1'],
  ['%.1f', 0.25, '0.2'],
  ['%10.4e', -1234.5, '-1.2345e+03'],
];

describe("Python's % formatting (python-format messages from import-po)", () => {
  it.each(CASES)('%s of %s', (spec, value, expected) => {
    const parsed = parsePythonStyle(spec);
    expect(parsed).toBeDefined();
    expect(formatPython(parsed!, value)).toBe(expected);
  });

  it('only reads printf-style specs without a mapping key', () => {
    expect(parsePythonStyle('%(x)s')).toBeUndefined();
    expect(parsePythonStyle('percent')).toBeUndefined();
    expect(parsePythonStyle('%.1q')).toBeUndefined();
  });
});
