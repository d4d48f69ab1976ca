/** One logging method: a message, or an object of fields followed by a message. */
export type LogMethod = (messageOrFields: unknown, ...rest: unknown[]) => void;

/**
 * The logger every adv package accepts. Both `console` and a pino logger satisfy it, so
 * passing either works without an adapter.
 */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

/** A logger that drops everything: the default where a package must not print. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
