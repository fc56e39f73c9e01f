import { type Event } from '../util/event';
import { type Disposable } from '../util/lifecycle';

export interface WindowFocus {
  readonly focused: boolean;
  readonly onDidChangeFocus: Event<boolean>;
}

export interface PollDelays {
  /** First delay after progress was seen; the same as the client's operation polling. */
  readonly initialDelayMs: number;
  /** Ceiling of the delay while nothing changes. */
  readonly maxDelayMs: number;
  /** The least delay while the window is not focused. */
  readonly unfocusedDelayMs: number;
  readonly multiplier?: number;
}

/**
 * Schedules the next poll with a self-rescheduling timer while something is in flight: the delay
 * starts short, grows while nothing changes, is longer when the window is unfocused, and a
 * refocus polls at once when the data is stale. Nothing runs while nothing is in flight.
 */
export class InFlightPoller implements Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private scheduledDelayMs: number | undefined;
  private delayMs: number | undefined;
  private inFlight = false;
  private lastPollAt = 0;
  private disposed = false;
  private readonly focusSubscription: Disposable;

  constructor(
    private readonly poll: () => void,
    private readonly delays: () => PollDelays,
    private readonly focus: WindowFocus,
    private readonly now: () => number = Date.now,
  ) {
    this.focusSubscription = focus.onDidChangeFocus((focused) => (focused ? this.onRefocus() : this.reschedule()));
  }

  /** True while a poll is scheduled. */
  get isScheduled(): boolean {
    return this.timer !== undefined;
  }

  /** The delay the scheduled poll was given, counted from when it was scheduled. */
  get nextDelayMs(): number | undefined {
    return this.timer === undefined ? undefined : this.scheduledDelayMs;
  }

  /** Tell the poller what the latest data showed: whether anything is in flight, and whether anything moved. */
  afterRefresh(state: { inFlight: boolean; progressed: boolean }): void {
    if (this.disposed) return;
    this.lastPollAt = this.now();
    this.inFlight = state.inFlight;
    this.cancel();
    if (!state.inFlight) {
      this.delayMs = undefined;
      return;
    }
    const { initialDelayMs, maxDelayMs, multiplier = 1.5 } = this.delays();
    this.delayMs =
      state.progressed || this.delayMs === undefined ? initialDelayMs : Math.min(maxDelayMs, Math.round(this.delayMs * multiplier));
    this.schedule(this.effectiveDelay());
  }

  /** Settings changed: start again from the initial delay. */
  resetDelay(): void {
    if (this.delayMs === undefined) return;
    this.delayMs = this.delays().initialDelayMs;
    if (this.timer !== undefined) {
      this.cancel();
      this.schedule(this.effectiveDelay());
    }
  }

  stop(): void {
    this.cancel();
    this.inFlight = false;
    this.delayMs = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
    this.focusSubscription.dispose();
  }

  private effectiveDelay(): number {
    const delay = this.delayMs ?? this.delays().initialDelayMs;
    return this.focus.focused ? delay : Math.max(delay, this.delays().unfocusedDelayMs);
  }

  private onRefocus(): void {
    if (this.disposed || !this.inFlight || this.timer === undefined) return;
    const stale = this.now() - this.lastPollAt >= (this.delayMs ?? this.delays().initialDelayMs);
    if (stale) {
      this.cancel();
      this.poll();
    } else {
      this.reschedule();
    }
  }

  /** The window gained or lost focus: the pending poll moves to the delay that now applies, counted from the last poll. */
  private reschedule(): void {
    if (this.disposed || this.timer === undefined) return;
    const remaining = Math.max(0, this.effectiveDelay() - (this.now() - this.lastPollAt));
    this.cancel();
    this.schedule(remaining);
  }

  private schedule(delayMs: number): void {
    this.scheduledDelayMs = delayMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.disposed) this.poll();
    }, delayMs);
  }

  private cancel(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
