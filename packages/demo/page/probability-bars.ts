// The live bar chart of the ten class probabilities: one row (label, bar, percentage) per class.

export interface ProbabilityBars {
  /** Shows `probabilities` (one per label) and marks the largest. */
  show(probabilities: ArrayLike<number>): void;
  /** Empties every bar. */
  reset(): void;
}

/**
 * Builds one row per label inside `container`.
 * @example const bars = createProbabilityBars(document.querySelector('#probabilities')!, ['0', '1']);
 */
export function createProbabilityBars(container: HTMLElement, labels: readonly string[]): ProbabilityBars {
  container.replaceChildren();
  const rows = labels.map((label) => {
    const row = document.createElement('div');
    row.className = 'bar-row';
    row.dataset.label = label;
    const name = document.createElement('span');
    name.className = 'bar-label';
    name.textContent = label;
    const track = document.createElement('div');
    track.className = 'bar-track';
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.setAttribute('role', 'meter');
    bar.setAttribute('aria-label', `probability of ${label}`);
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '1');
    track.append(bar);
    const value = document.createElement('span');
    value.className = 'bar-value';
    row.append(name, track, value);
    container.append(row);
    return { row, bar, value };
  });

  const show = (probabilities: ArrayLike<number>): void => {
    let top = 0;
    for (let i = 1; i < rows.length; i++) if (probabilities[i] > probabilities[top]) top = i;
    rows.forEach(({ row, bar, value }, i) => {
      const p = probabilities[i];
      bar.style.width = `${(p * 100).toFixed(1)}%`;
      bar.setAttribute('aria-valuenow', p.toFixed(4));
      value.textContent = `${(p * 100).toFixed(1)}%`;
      row.classList.toggle('top', i === top);
    });
  };
  const reset = (): void => {
    for (const { row, bar, value } of rows) {
      bar.style.width = '0%';
      bar.removeAttribute('aria-valuenow');
      value.textContent = '';
      row.classList.remove('top');
    }
  };
  reset();
  return { show, reset };
}
