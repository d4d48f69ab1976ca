/** The IPC message the primary sends a worker to run `onShutdown` before it drains. */
export const SHUTDOWN_MESSAGE = 'adv-deploy:shutdown';
