/**
 * `@adv/deploy/logging`: structured request logs on pino, an optional peer dependency
 * (`npm install pino`). Kept out of the root entry so an app without them never installs or loads pino.
 */
export {
  LOG_DESTINATION_DEFAULTS,
  type LogDestinationOptions,
  logDestination,
} from '../log-destination.js';
export {
  getRequestId,
  getRequestLogger,
  REQUEST_LOGGER_DEFAULTS,
  type RequestLoggerOptions,
  requestLogger,
} from '../logging.js';
export { uniqueRequestId } from '../request-id.js';
