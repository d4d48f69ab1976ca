export type { TasksDashboard } from './handler.js';
export { isSameOrigin, RETRY_ALL_LIMIT, tasksDashboard } from './handler.js';
export { escapeHtml, LIST_PAYLOAD_CHARS } from './html.js';
export type { MinuteCounts, TaskSummary } from './metrics.js';
export { DashboardMetrics } from './metrics.js';
export type { TasksDashboardOptions } from './options.js';
export { TASKS_DASHBOARD_DEFAULTS } from './options.js';
