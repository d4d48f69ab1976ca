import type * as PromClient from 'prom-client';

/** The labels of the HTTP metrics, in the order prom-client is given them. */
export type HttpLabels = Record<'method' | 'route' | 'status', string>;

/** One (method, route, status) series: its request count, and its duration histogram by bucket. */
interface Series {
  readonly labels: HttpLabels;
  /** Requests counted (also the histogram's `_count`). */
  count: number;
  /** Sum of the observed durations in seconds, added in arrival order (as prom-client does). */
  sum: number;
  /** Observations per bucket (not cumulative), in `upperBounds` order. */
  readonly buckets: Float64Array;
  /** Part of `count` already handed to the prom-client counter. */
  reported: number;
}

/**
 * Counts HTTP requests and their durations outside prom-client: a request costs three `Map`
 * lookups keyed by strings and a number it already has (no labels object, no label hashing,
 * no validation), where prom-client's `inc` and `observe` each validate and hash a labels
 * object. The counts reach the registry at scrape time: the counter through its `collect()`
 * hook (public `inc` by the delta since the last scrape), the histogram as a registered metric
 * whose `get()` returns what prom-client's own `Histogram` returns for the same observations,
 * so the registry formats both exactly as before.
 */
export class HttpSeries {
  /** Series in the order first seen: the order prom-client lists label sets in. */
  readonly #series: Series[] = [];
  readonly #index = new Map<string, Map<number, Map<string, Series>>>();
  readonly #upperBounds: readonly number[];

  constructor(upperBounds: readonly number[]) {
    this.#upperBounds = upperBounds;
  }

  /** Counts one request that took `seconds`. */
  record(method: string, route: string, status: number, seconds: number): void {
    let byStatus = this.#index.get(route);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.#index.set(route, byStatus);
    }
    let byMethod = byStatus.get(status);
    if (byMethod === undefined) {
      byMethod = new Map();
      byStatus.set(status, byMethod);
    }
    let series = byMethod.get(method);
    if (series === undefined) {
      series = {
        labels: { method, route, status: String(status) },
        count: 0,
        sum: 0,
        buckets: new Float64Array(this.#upperBounds.length),
        reported: 0,
      };
      byMethod.set(method, series);
      this.#series.push(series);
    }
    series.count += 1;
    series.sum += seconds;
    // prom-client's bucket rule: the first bound (in the order given) at or above the value;
    // a value above every bound counts only in `+Inf` (the count).
    const bounds = this.#upperBounds;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= (bounds[i] as number)) {
        (series.buckets as Float64Array)[i] = ((series.buckets as Float64Array)[i] as number) + 1;
        break;
      }
    }
  }

  /** Hands the counts since the last call to `counter` (its `collect()` hook). */
  reportTo(counter: PromClient.Counter<'method' | 'route' | 'status'>): void {
    for (const series of this.#series) {
      const delta = series.count - series.reported;
      if (delta > 0) {
        series.reported = series.count;
        counter.inc(series.labels, delta);
      }
    }
  }

  /** Marks every count as reported without reporting it (the counter was reset). */
  markReported(): void {
    for (const series of this.#series) series.reported = series.count;
  }

  /** Forgets every series (the histogram was reset). Report to the counter first. */
  clear(): void {
    this.#series.length = 0;
    this.#index.clear();
  }

  /**
   * The histogram's values as prom-client's `Histogram.getForPromString()` lists them: per
   * series the cumulative buckets (`le` label, the series' labels shared), `+Inf`, `_sum` and
   * `_count`.
   */
  histogramValues(name: string): HistogramValue[] {
    const values: HistogramValue[] = [];
    const bucketName = `${name}_bucket`;
    const bounds = this.#upperBounds;
    for (const series of this.#series) {
      let acc = 0;
      for (let i = 0; i < bounds.length; i++) {
        acc += series.buckets[i] as number;
        values.push({
          labels: { le: bounds[i] as number },
          sharedLabels: series.labels,
          value: acc,
          metricName: bucketName,
          exemplar: null,
        });
      }
      values.push(
        {
          labels: { le: '+Inf' },
          sharedLabels: series.labels,
          value: series.count,
          metricName: bucketName,
          exemplar: null,
        },
        { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${name}_sum`, exemplar: undefined },
        {
          labels: {},
          sharedLabels: series.labels,
          value: series.count,
          metricName: `${name}_count`,
          exemplar: undefined,
        },
      );
    }
    return values;
  }
}

/** One line of a histogram as prom-client's registry reads it. */
interface HistogramValue {
  labels: Record<string, string | number>;
  sharedLabels: HttpLabels;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/**
 * A histogram metric on a prom-client registry whose observations are counted by
 * {@link HttpSeries}: `get()` and `getForPromString()` return the same shapes as prom-client's
 * `Histogram` (the registry's text and JSON expositions come out the same), `reset()` empties it
 * as `registry.resetMetrics()` expects.
 */
export class PrecountedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames = ['method', 'route', 'status'] as const;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly series: HttpSeries,
    private readonly beforeReset: () => void,
  ) {}

  /** What the text exposition reads (as prom-client's `Histogram`). */
  getForPromString() {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values: this.series.histogramValues(this.name),
      aggregator: this.aggregator,
    });
  }

  /** The metric as JSON (`registry.getMetricsAsJSON()`): the shared labels merged into each value's. */
  get() {
    return this.getForPromString().then((data) => ({
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    }));
  }

  /** Empties the histogram (`registry.resetMetrics()`); counts not yet scraped still reach the counter. */
  reset(): void {
    this.beforeReset();
    this.series.clear();
  }
}
