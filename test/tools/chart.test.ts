/** The SVG chart helper: round ticks that cover the data, and clear errors for empty data. */
import { chartSvg, niceTicks } from '../../src/visualization/chart';

describe('chart', () => {
  it('niceTicks covers the range with round steps', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1.2, 2.4)).toEqual([1, 1.25, 1.5, 1.75, 2, 2.25, 2.5]);
    expect(niceTicks(3, 3)).toEqual([2.6, 2.8, 3, 3.2, 3.4]); // a flat line still gets an axis
  });
  it('draws title, axis labels and a legend entry per series; refuses a panel without data', () => {
    const svg = chartSvg([{ title: 'loss <train>', xLabel: 'iter', yLabel: 'loss', series: [{ name: 'run a', points: [[1, 2], [2, 1]] }, { name: 'run b', points: [[1, 3]] }] }]);
    expect(svg).toContain('loss &lt;train&gt;');
    expect(svg).toContain('>iter<');
    expect(svg).toContain('>run a<');
    expect(svg).toContain('>run b<');
    expect(svg).toMatch(/<polyline[^>]+points="/);
    expect(() => chartSvg([{ title: 'x', xLabel: 'a', yLabel: 'b', series: [{ name: 's', points: [[1, NaN]] }] }])).toThrow(/chart 'x': no finite points/);
  });
});
