/**
 * A service of the plugin's own: where `example.GradNormHook` sends its
 * measurements. The plugin binds it in every run's root container
 * (`registerServices`); the hook asks for it with `@inject(METRICS_SINK)`, so
 * an application (or a test) rebinds METRICS_SINK to send the numbers
 * elsewhere without touching the hook.
 */
import { ContainerModule, registerServices, type ServiceToken } from 'fer-mm';

/** One measurement: the training iteration (1-based) and named values. */
export interface MetricsRecord {
  iter: number;
  values: Record<string, number>;
}

export interface MetricsSink {
  write(record: MetricsRecord): void;
}

/** The default sink: keeps the records of the run in memory. */
export class MemoryMetricsSink implements MetricsSink {
  readonly records: MetricsRecord[] = [];
  write(record: MetricsRecord): void {
    this.records.push(record);
  }
}

export const METRICS_SINK = Symbol.for('example.MetricsSink') as ServiceToken<MetricsSink>;

// one sink per root container, i.e. per run built by Runner.fromCfg / trainModel
registerServices(
  new ContainerModule(({ bind }) => {
    bind(METRICS_SINK).toDynamicValue(() => new MemoryMetricsSink()).inSingletonScope();
  }),
);
