import * as assert from 'node:assert/strict';
import { MIN_CURVE_CONTRAST, contrastRatio, parseColor, readableOn, relativeLuminance } from '../../../src/core/lossChart/seriesColors';

const rgb = (text: string) => {
  const parsed = parseColor(text);
  assert.ok(parsed, `a colour: ${text}`);
  return parsed;
};

describe('loss chart series colours', () => {
  it('measures contrast as WCAG 2 does', () => {
    assert.equal(contrastRatio(rgb('#000'), rgb('#fff')), 21);
    assert.equal(contrastRatio(rgb('#777'), rgb('#777')), 1);
    assert.ok(Math.abs(contrastRatio(rgb('#767676'), rgb('#ffffff')) - 4.54) < 0.01, 'the grey WCAG tables give as 4.54:1');
    assert.deepEqual(rgb('rgba(55, 148, 255, 0.5)'), { r: 55, g: 148, b: 255 });
  });

  it('leaves a theme colour that stands out from the background as it is', () => {
    assert.equal(readableOn('rgb(55, 148, 255)', 'rgb(31, 31, 31)'), 'rgb(55, 148, 255)');
  });

  it('lifts chart colours too dark for a dark theme, and darkens ones too pale for a light theme, until they read', () => {
    const cases: [string, string][] = [
      ['rgb(101, 45, 144)', 'rgb(31, 31, 31)'], // Light Modern's purple shown on a dark editor
      ['rgb(40, 40, 60)', 'rgb(30, 30, 30)'],
      ['rgb(209, 134, 22)', 'rgb(255, 255, 255)'], // orange on white: 2.9:1
      ['rgb(204, 167, 0)', 'rgb(255, 255, 255)'],
    ];
    for (const [color, background] of cases) {
      assert.ok(contrastRatio(rgb(color), rgb(background)) < MIN_CURVE_CONTRAST, `${color} is too faint on ${background} to start with`);
      const readable = readableOn(color, background);
      const ratio = contrastRatio(rgb(readable), rgb(background));
      assert.ok(ratio >= MIN_CURVE_CONTRAST, `${readable} on ${background}: ${ratio.toFixed(2)}:1`);
      assert.ok(ratio < MIN_CURVE_CONTRAST + 0.2, `the least change that reads (${ratio.toFixed(2)}:1), not white or black`);
      const dark = relativeLuminance(rgb(background)) < 0.5;
      assert.equal(relativeLuminance(rgb(readable)) > relativeLuminance(rgb(color)), dark, dark ? 'lighter on a dark theme' : 'darker on a light theme');
    }
  });

  it('keeps a colour it cannot read as it is', () => {
    assert.equal(readableOn('var(--x)', 'rgb(0, 0, 0)'), 'var(--x)');
  });
});
