import type { Logger } from '@adv/types';

/** A one-line JSON logger on stdout/stderr (pino's shape, no dependency). */
export function jsonLogger(level: 'debug' | 'info' | 'warn' | 'error' | 'silent' = 'info'): Logger {
  const order = ['debug', 'info', 'warn', 'error', 'silent'];
  const min = order.indexOf(level);
  const method =
    (name: 'debug' | 'info' | 'warn' | 'error') =>
    (fieldsOrMessage: unknown, ...rest: unknown[]) => {
      if (order.indexOf(name) < min) return;
      const fields =
        typeof fieldsOrMessage === 'object' && fieldsOrMessage !== null ? { ...(fieldsOrMessage as object) } : {};
      const msg = typeof fieldsOrMessage === 'string' ? fieldsOrMessage : rest.map(String).join(' ');
      for (const [key, value] of Object.entries(fields)) {
        if (value instanceof Error)
          (fields as Record<string, unknown>)[key] = { message: value.message, stack: value.stack };
      }
      const line = JSON.stringify({ level: name, time: new Date().toISOString(), ...fields, msg });
      (name === 'error' || name === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
    };
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}
