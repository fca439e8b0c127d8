// The supervisor's own Prometheus metrics, on its own port (--metrics-port): what it wants, what
// runs, the lag it decides on, and each scale event.
import { Counter, Gauge, Registry } from 'prom-client'

export class AutoscaleMetrics {
  readonly registry = new Registry()
  readonly desired = new Gauge({ name: 'spate_autoscale_instances_desired', help: 'processor instances the supervisor wants', registers: [this.registry] })
  readonly running = new Gauge({ name: 'spate_autoscale_instances_running', help: 'processor instances alive (starting, consuming or draining)', registers: [this.registry] })
  readonly ready = new Gauge({ name: 'spate_autoscale_instances_ready', help: 'processor instances whose /readyz answers 200', registers: [this.registry] })
  readonly needed = new Gauge({ name: 'spate_autoscale_instances_needed', help: 'instances the lag asks for: ceil(lag / lag threshold) within min, max and the partition count', registers: [this.registry] })
  readonly lag = new Gauge({ name: 'spate_autoscale_consumer_lag_records', help: 'the consumer group\'s lag on the topic, from Kafka: log end offsets minus committed offsets', registers: [this.registry] })
  readonly partitions = new Gauge({ name: 'spate_autoscale_topic_partitions', help: 'partitions of the topic: the most instances that get work', registers: [this.registry] })
  readonly events = new Counter({ name: 'spate_autoscale_scale_events_total', help: 'scale decisions taken', labelNames: ['direction'] as const, registers: [this.registry] })
  readonly restarts = new Counter({ name: 'spate_autoscale_instance_restarts_total', help: 'instances started again after exiting on their own', registers: [this.registry] })
  readonly lagErrors = new Counter({ name: 'spate_autoscale_lag_read_errors_total', help: 'lag reads from Kafka that failed (no decision is taken without a sample)', registers: [this.registry] })

  constructor () {
    for (const direction of ['up', 'down']) this.events.inc({ direction }, 0)
  }
}
