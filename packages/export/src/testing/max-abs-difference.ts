// Test support: the largest absolute difference between two arrays, or two weight maps name by name,
// the one measure every parity test (graphs, engines, runtimes) bounds.
import type { NamedWeight } from '@mnist/core';

/**
 * The largest |a[i] - b[i]|. For weight maps (weights and optimizer slots by name), over every value of
 * every name, after checking both hold the same names; throws RangeError when the names or lengths differ.
 * @example expect(maxAbsDifference(await a.readWeights(), await b.readWeights())).toBeLessThan(1e-6);
 */
export function maxAbsDifference(a: ReadonlyMap<string, NamedWeight>, b: ReadonlyMap<string, NamedWeight>): number;
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number;
export function maxAbsDifference(a: ReadonlyMap<string, NamedWeight> | ArrayLike<number>, b: ReadonlyMap<string, NamedWeight> | ArrayLike<number>): number {
  if (a instanceof Map && b instanceof Map) {
    const onlyA = [...a.keys()].filter((name) => !b.has(name));
    const onlyB = [...b.keys()].filter((name) => !a.has(name));
    if (onlyA.length || onlyB.length) {
      throw new RangeError(`maxAbsDifference: the maps hold different names (only in the first: [${onlyA.join(', ')}], only in the second: [${onlyB.join(', ')}])`);
    }
    let worst = 0;
    for (const [name, w] of a as ReadonlyMap<string, NamedWeight>) worst = Math.max(worst, valuesDifference(w.values, (b.get(name) as NamedWeight).values, name));
    return worst;
  }
  if (a instanceof Map || b instanceof Map) throw new TypeError('maxAbsDifference: compare two maps or two arrays, not one of each');
  return valuesDifference(a as ArrayLike<number>, b as ArrayLike<number>, 'values');
}

function valuesDifference(a: ArrayLike<number>, b: ArrayLike<number>, what: string): number {
  if (a.length !== b.length) throw new RangeError(`maxAbsDifference: ${what} has ${a.length} values in the first and ${b.length} in the second`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
