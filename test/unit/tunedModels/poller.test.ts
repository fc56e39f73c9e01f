import * as assert from 'node:assert/strict';
import { Emitter } from '../../../src/core/util/event';
import { InFlightPoller } from '../../../src/core/tunedModels/poller';
import { FakeClock } from '../../harness/fakeClock';

let clock: FakeClock;

function setup(delays = { initialDelayMs: 1000, maxDelayMs: 3000, unfocusedDelayMs: 10_000 }) {
  const focusEmitter = new Emitter<boolean>();
  const focus = { focused: true, onDidChangeFocus: focusEmitter.event };
  let polls = 0;
  const poller = new InFlightPoller(() => polls++, () => delays, focus, () => clock.now());
  return {
    poller,
    focus,
    setFocused(value: boolean) {
      focus.focused = value;
      focusEmitter.fire(value);
    },
    /** Moves the clock on, firing the poller's timer if it falls due. */
    advance(ms: number) {
      clock.advance(ms);
    },
    polls: () => polls,
  };
}

describe('InFlightPoller', () => {
  let dispose: (() => void) | undefined;
  let uninstall: (() => void) | undefined;
  beforeEach(() => {
    clock = new FakeClock();
    uninstall = clock.install();
  });
  afterEach(() => {
    dispose?.();
    dispose = undefined;
    uninstall?.();
  });

  it('schedules nothing when nothing is in flight', () => {
    const t = setup();
    dispose = () => t.poller.dispose();
    t.poller.afterRefresh({ inFlight: false, progressed: true });
    assert.equal(t.poller.isScheduled, false);
  });

  it('starts at the initial delay, grows by 1.5 while nothing moves, up to the ceiling, and resets on progress', () => {
    const t = setup();
    dispose = () => t.poller.dispose();
    const delays: Array<number | undefined> = [];
    t.poller.afterRefresh({ inFlight: true, progressed: false });
    delays.push(t.poller.nextDelayMs);
    for (let i = 0; i < 4; i++) {
      t.poller.afterRefresh({ inFlight: true, progressed: false });
      delays.push(t.poller.nextDelayMs);
    }
    t.poller.afterRefresh({ inFlight: true, progressed: true });
    delays.push(t.poller.nextDelayMs);
    assert.deepEqual(delays, [1000, 1500, 2250, 3000, 3000, 1000]);
  });

  it('waits longer while the window is unfocused', () => {
    const t = setup();
    dispose = () => t.poller.dispose();
    t.setFocused(false);
    t.poller.afterRefresh({ inFlight: true, progressed: true });
    assert.equal(t.poller.nextDelayMs, 10_000);
  });

  it('moves a pending poll later when the window loses focus, and back when it regains it', () => {
    const t = setup();
    dispose = () => t.poller.dispose();
    t.poller.afterRefresh({ inFlight: true, progressed: true });
    assert.equal(t.poller.nextDelayMs, 1000);
    t.advance(400);
    t.setFocused(false);
    assert.equal(t.poller.nextDelayMs, 9600, 'the unfocused delay, counted from the last poll');
    t.advance(300);
    t.setFocused(true);
    assert.equal(t.polls(), 0, 'still fresh');
    assert.equal(t.poller.nextDelayMs, 300, 'the rest of the focused delay');
  });

  it('polls at once on refocus when the data is stale, and not when it is fresh', () => {
    const t = setup();
    dispose = () => t.poller.dispose();
    t.setFocused(false);
    t.poller.afterRefresh({ inFlight: true, progressed: true });
    t.advance(500);
    t.setFocused(true);
    assert.equal(t.polls(), 0, 'fresh: no extra poll');
    t.setFocused(false);
    t.advance(1500);
    t.setFocused(true);
    assert.equal(t.polls(), 1, 'stale: polled on refocus');
  });

  it('stops when disposed', () => {
    const t = setup({ initialDelayMs: 5, maxDelayMs: 5, unfocusedDelayMs: 5 });
    t.poller.afterRefresh({ inFlight: true, progressed: true });
    assert.equal(clock.pending, 1, 'a poll is scheduled');
    t.poller.dispose();
    assert.equal(clock.pending, 0, 'its timer is cleared');
    t.advance(60_000);
    assert.equal(t.polls(), 0);
    assert.equal(t.poller.isScheduled, false);
  });

  it('fires the poll when the timer runs out, not before', () => {
    const t = setup({ initialDelayMs: 5, maxDelayMs: 5, unfocusedDelayMs: 5 });
    dispose = () => t.poller.dispose();
    t.poller.afterRefresh({ inFlight: true, progressed: true });
    t.advance(4);
    assert.equal(t.polls(), 0, 'not before 5 ms');
    t.advance(1);
    assert.equal(t.polls(), 1, 'at 5 ms');
    assert.equal(t.poller.isScheduled, false, 'the next poll waits for the next refresh');
    t.advance(60_000);
    assert.equal(t.polls(), 1, 'one timer, one poll');
  });
});
