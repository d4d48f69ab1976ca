/**
 * The JSON text a layer already has for a delivered message object, so a broadcast to 1,000
 * sockets serialises the message once instead of 1,000 times.
 */
const texts = new WeakMap<object, string>();

/** Parses `text` and remembers it as the serialisation of the result (objects only). */
export function parseRemembered(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (value !== null && typeof value === 'object') texts.set(value, text);
  return value;
}

/** The JSON text of `value`, from the cache when a layer delivered it. */
export function jsonText(value: unknown): string {
  if (value !== null && typeof value === 'object') {
    const known = texts.get(value);
    if (known !== undefined) return known;
  }
  return JSON.stringify(value);
}

const bytes = new WeakMap<object, Buffer>();

/** The UTF-8 bytes of `jsonText(value)`, encoded once per delivered object (a broadcast shares them). */
export function jsonBytes(value: unknown): Buffer {
  if (value !== null && typeof value === 'object') {
    let known = bytes.get(value);
    if (known === undefined) {
      known = Buffer.from(jsonText(value));
      bytes.set(value, known);
    }
    return known;
  }
  return Buffer.from(JSON.stringify(value));
}
