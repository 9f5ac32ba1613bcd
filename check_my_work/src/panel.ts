import { Widget } from '@lumino/widgets';

/** The side panel's id (the tests look for it too). */
export const PANEL_ID = 'cnn-check-my-work-panel';

function element(
  tag: string,
  className: string,
  text?: string
): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    // textContent, never innerHTML: feedback quotes the student's own code and outputs.
    node.textContent = text;
  }
  return node;
}

function scoreText(item: { [key: string]: any }): string | null {
  return typeof item.score === 'number' && typeof item.max_score === 'number'
    ? `${item.score} / ${item.max_score}`
    : null;
}

/** One exercise of the record: status, score when shown, likely mistakes, the feedback text. */
function exerciseNode(name: string, item: { [key: string]: any }): HTMLElement {
  const status = String(item.status ?? 'unknown');
  const node = element('section', 'cnn-CheckMyWork-exercise');
  node.dataset.exercise = name;
  node.dataset.status = status;
  const title = element('h3', 'cnn-CheckMyWork-exerciseTitle');
  title.append(
    element('span', 'cnn-CheckMyWork-name', name),
    element('span', `cnn-CheckMyWork-badge cnn-CheckMyWork-${status}`, status)
  );
  const score = scoreText(item);
  if (score !== null) {
    title.append(element('span', 'cnn-CheckMyWork-score', score));
  }
  node.append(title);
  const diagnosis: unknown[] = Array.isArray(item.diagnosis) ? item.diagnosis : [];
  if (diagnosis.length) {
    const list = element('ul', 'cnn-CheckMyWork-diagnosis');
    for (const mistake of diagnosis) {
      list.append(element('li', '', `Likely mistake: ${String(mistake)}`));
    }
    node.append(list);
  }
  const feedback = element('pre', 'cnn-CheckMyWork-feedback');
  for (const line of String(item.feedback ?? '').split('\n')) {
    const failing = /^\s*FAIL\b/.test(line);
    feedback.append(
      element('div', failing ? 'cnn-CheckMyWork-failing' : '', line)
    );
  }
  node.append(feedback);
  return node;
}

/** The right-hand panel: progress while a check runs, then its feedback or why there is none. */
export class FeedbackPanel extends Widget {
  constructor() {
    super();
    this.id = PANEL_ID;
    this.addClass('cnn-CheckMyWork-panel');
    this.title.label = 'Check my work';
    this.title.caption = 'Feedback from the grading service';
    this.title.closable = true;
    this.node.append(
      element('p', 'cnn-CheckMyWork-intro', 'Click "Check my work" in a notebook\'s toolbar.')
    );
  }

  private replaceWith(...children: HTMLElement[]): void {
    this.node.replaceChildren(...children);
    this.node.dataset.state = children[0]?.dataset.state ?? '';
  }

  showProgress(path: string): void {
    const node = element('div', 'cnn-CheckMyWork-progress');
    node.dataset.state = 'checking';
    node.append(
      element('div', 'cnn-CheckMyWork-spinner'),
      element('p', '', `Checking ${path}: saving it and grading it in the sandbox…`)
    );
    this.replaceWith(node);
  }

  showError(message: string, status: number): void {
    const node = element('div', 'cnn-CheckMyWork-error', message);
    node.dataset.state = 'error';
    node.dataset.httpStatus = String(status);
    this.replaceWith(node);
  }

  showRecord(path: string, record: { [key: string]: any }): void {
    const head = element('header', 'cnn-CheckMyWork-summary');
    head.dataset.state = 'feedback';
    const check = record.check ?? {};
    const score = scoreText(record);
    head.append(
      element('h2', '', `Feedback on ${path}`),
      element(
        'p',
        'cnn-CheckMyWork-meta',
        [
          `Check #${check.id ?? '?'}`,
          check.created ? `at ${check.created}` : '',
          score !== null ? `score ${score}` : ''
        ]
          .filter(Boolean)
          .join(' · ')
      )
    );
    if (record.message) {
      head.append(element('p', 'cnn-CheckMyWork-message', String(record.message)));
    }
    const exercises = record.exercises ?? {};
    this.replaceWith(
      head,
      ...Object.keys(exercises).map(name => exerciseNode(name, exercises[name]))
    );
  }
}
