import assert from 'node:assert/strict';
import { SseBufferOverflowError, SseParser, type SseEventKind } from '../../../src/core/api/sse';

type Event = [SseEventKind, string];

function parse(input: string | Buffer, splitEvery?: number, maxEventBytes?: number): { events: Event[]; leftover: boolean } {
  const events: Event[] = [];
  const parser = new SseParser((kind, text) => events.push([kind, text]), { maxEventBytes });
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (splitEvery) {
    for (let i = 0; i < bytes.length; i += splitEvery) parser.push(bytes.subarray(i, i + splitEvery));
  } else {
    parser.push(bytes);
  }
  const { leftover } = parser.end();
  return { events, leftover };
}

const data = (...texts: string[]): Event[] => texts.map((t) => ['data', t]);

describe('api/sse parser', () => {
  it('reads data events ended by CRLF CRLF, LF LF and CR CR', () => {
    assert.deepEqual(parse('data: {"a":1}\r\n\r\ndata: {"b":2}\n\ndata: {"c":3}\r\r').events, data('{"a":1}', '{"b":2}', '{"c":3}'));
  });

  it('accepts data: with and without the space, and keeps a second space', () => {
    assert.deepEqual(parse('data:x\n\ndata: y\n\ndata:  z\n\n').events, data('x', 'y', ' z'));
  });

  it('joins multi-line data with LF and ignores comments, event, id, retry and unknown fields', () => {
    const input = ': keep-alive\nevent: message\nid: 7\nretry: 100\nx-custom: 1\nevent\ndata: {"a":\ndata: 1}\n\n:another\n\n';
    assert.deepEqual(parse(input).events, data('{"a":\n1}'));
  });

  it('gives the same events when the input arrives one byte at a time', () => {
    const input = 'data: {"t":"héllo ✓"}\r\n\r\n: c\r\ndata:{"t":2}\r\rdata: a\ndata: b\n\n';
    const whole = parse(input);
    for (const size of [1, 2, 3, 5, 7]) {
      assert.deepEqual(parse(input, size), whole, `split every ${size} bytes`);
    }
    assert.deepEqual(whole.events, data('{"t":"héllo ✓"}', '{"t":2}', 'a\nb'));
  });

  it('treats a CRLF split across two reads as one line end', () => {
    const events: Event[] = [];
    const parser = new SseParser((kind, text) => events.push([kind, text]));
    parser.push(Buffer.from('data: 1\r'));
    parser.push(Buffer.from('\n\r'));
    parser.push(Buffer.from('\ndata: 2\r\n\r\n'));
    assert.equal(parser.end().leftover, false);
    assert.deepEqual(events, data('1', '2'));
  });

  it('reads CR-only streams', () => {
    assert.deepEqual(parse('data: 1\r\rdata: 2\rdata: 3\r\r', 1).events, data('1', '2\n3'));
  });

  it('skips a UTF-8 byte order mark at the start', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    assert.deepEqual(parse(Buffer.concat([bom, Buffer.from('data: 1\n\n')])).events, data('1'));
  });

  it('reports leftover bytes of an unfinished event at the end', () => {
    assert.equal(parse('data: 1\n\ndata: {"half"').leftover, true);
    assert.equal(parse('data: 1\n\ndata: 2\n').leftover, true, 'a data line without the blank line is unfinished');
    assert.equal(parse('data: 1\n\n  \n').leftover, false, 'trailing blank space is not leftover');
  });

  it('reports a bare JSON block as one bare event, whether or not a blank line ends it', () => {
    const pretty = '{\n  "error": {\n    "code": 500,\n    "status": "INTERNAL"\n  }\n}';
    assert.deepEqual(parse(`data: 1\n\n${pretty}\n\n`).events, [['data', '1'], ['bare', pretty]]);
    assert.deepEqual(parse(`data: 1\n\n${pretty}`, 3).events, [['data', '1'], ['bare', pretty]]);
    assert.deepEqual(parse(`data: 1\n${pretty}\n\n`).events, [['data', '1'], ['bare', pretty]], 'no blank line between them');
  });

  it('reports lines that are neither fields nor JSON as garbage', () => {
    const { events } = parse('data: 1\n\n<html>oops</html>\n\n');
    assert.deepEqual(events, [['data', '1'], ['garbage', '<html>oops</html>']]);
    assert.deepEqual(parse('\u0000\u00ff binary\n').events, [['garbage', '\u0000\u00ff binary']]);
    assert.deepEqual(parse(': only a comment\n\n').events, []);
  });

  it('enforces the cap on buffered bytes, also for an event spread over many reads', () => {
    assert.throws(() => parse(`data: ${'x'.repeat(2000)}\n\n`, undefined, 1000), SseBufferOverflowError);
    assert.throws(() => parse(`data: ${'x'.repeat(2000)}`, 10, 1000), SseBufferOverflowError);
    const many = Array.from({ length: 50 }, () => 'data: ' + 'y'.repeat(100)).join('\n');
    assert.throws(() => parse(many + '\n\n', 7, 1000), SseBufferOverflowError, 'many data lines of one event add up');
    assert.doesNotThrow(() => parse(`data: ${'x'.repeat(900)}\n\n`.repeat(20), 10, 1000), 'the cap is per event');
  });

  it('stays linear when one large event arrives in many small reads', () => {
    // 4 MB in 16-byte reads: a parser that rescans its buffer on every read would take minutes.
    const payload = 'z'.repeat(4 * 1024 * 1024);
    const input = Buffer.from(`data: ${payload}\n\n`);
    const events: Event[] = [];
    const parser = new SseParser((kind, text) => events.push([kind, text]));
    let reads = 0;
    for (let i = 0; i < input.length; i += 16) {
      parser.push(input.subarray(i, i + 16));
      reads++;
    }
    assert.equal(parser.end().leftover, false);
    assert.ok(reads > 200_000);
    assert.equal(events.length, 1);
    assert.equal(events[0][1].length, payload.length);
  });

  it('copies partial lines, so a reused read buffer does not corrupt the event', () => {
    const events: Event[] = [];
    const parser = new SseParser((kind, text) => events.push([kind, text]));
    const buf = Buffer.from('data: ab');
    parser.push(buf);
    buf.write('XXXXXXXX');
    parser.push(Buffer.from('cd\n\n'));
    assert.deepEqual(events, data('abcd'));
  });
});
