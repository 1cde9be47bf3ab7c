/** Fakes of the Timers and Alerts ports that remember what they were asked. */
import { type Alert, type Alerts, type Timer, type Timers, timerKey } from '../../ports';

export class MemoryTimers implements Timers {
  readonly armed = new Map<string, Timer>();
  calls = 0;

  async arm(timers: readonly Timer[]): Promise<void> {
    this.calls += timers.length;
    for (const t of timers) this.armed.set(timerKey(t), t);
  }

  async disarm(timers: readonly Timer[]): Promise<void> {
    this.calls += timers.length;
    for (const t of timers) this.armed.delete(timerKey(t));
  }
}

export class MemoryAlerts implements Alerts {
  readonly published: Alert[] = [];
  /** Fails the next `failures` publishes (fault injection). */
  failures = 0;

  async publish(alert: Alert): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('alert channel unavailable');
    }
    this.published.push(alert);
  }
}
