/** Pages for what cannot be shown: an unknown page, artifact or version (404), or a failure (500). */
import { html } from '../html.js';
import { link, renderPage, type RenderContext } from '../layout.js';

export interface Problem {
  status: number;
  title: string;
  message: string;
  hint?: string | undefined;
  /** Artifacts to offer instead. */
  artifacts?: string[] | undefined;
}

export function renderProblem(ctx: RenderContext, problem: Problem): string {
  const artifacts = problem.artifacts ?? [];
  return renderPage(ctx, {
    title: problem.title,
    crumbs: [],
    body: html`<h1>${problem.title}</h1>
<p class="problem">${problem.message}</p>
${problem.hint ? html`<p class="muted">${problem.hint}</p>` : ''}
<p>${link(ctx, { kind: 'overview' }, 'See all artifacts')}${problem.status === 404 ? html` <span class="muted">(pages: <code>index.html</code>, <code>a/NAME/index.html</code>, <code>a/NAME/v/X.Y.Z.html</code>, <code>a/NAME/diff/X.Y.Z..X.Y.Z.html</code>, <code>a/NAME/history.html</code>)</span>` : ''}</p>
${artifacts.length ? html`<h2>Artifacts</h2><ul>${artifacts.slice(0, 50).map((name) => html`<li>${link(ctx, { kind: 'artifact', name, page: 1 }, name)}</li>`)}</ul>` : ''}`,
  });
}
