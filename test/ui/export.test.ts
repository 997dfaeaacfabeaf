/**
 * `mv ui --export DIR`: plain files with relative links that all resolve, written only inside DIR; a
 * folder with other files is refused unless --force; a previous export is replaced whole.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSite, type ExportSiteResult } from '../../src/index.js';
import { execa } from 'execa';
import { gitRepo, tempDir } from '../helpers/git-repo.js';
import { addChurn, initProject } from '../helpers/project.js';
import { cli, cliJson } from '../helpers/mv-cli.js';
import { HOSTILE_REASON, uiFixture, type UiFixture } from '../helpers/ui-fixture.js';

type ExportJson = ExportSiteResult;

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe('mv ui --export', () => {
  let fixture: UiFixture;
  beforeAll(async () => {
    fixture = await uiFixture();
  }, 120_000);
  afterAll(async () => fixture?.cleanup());

  it('writes every page as a file whose links all lead to files of the export, and reports them with --json', async () => {
    const out = await tempDir();
    const status = await fixture.repo.git('status', '--porcelain', '--ignored');
    const result = await cliJson<ExportJson>(fixture.repo.dir, ['ui', '--export', join(out, 'site')]);
    const site = join(out, 'site');
    expect(result).toMatchObject({ dir: site, artifacts: 2, versions: 4, replaced: false });
    expect(result.files).toEqual(expect.arrayContaining(['index.html', '404.html', 'mv-ui.json', 'a/chatbot/index.html', 'a/chatbot/history.html', 'a/chatbot/v/1.0.0.html', 'a/chatbot/v/1.2.0.html', 'a/chatbot/diff/1.0.0..1.1.0.html', 'a/chatbot/diff/1.1.0..1.2.0.html', 'a/legacy/index.html', 'a/legacy/v/0.1.0.html']));
    expect(await filesUnder(site)).toEqual([...result.files].sort());
    expect(await readdir(out)).toEqual(['site']);
    expect(await fixture.repo.git('status', '--porcelain', '--ignored')).toBe(status);

    let links = 0;
    for (const file of result.files.filter((f) => f.endsWith('.html'))) {
      const html = await readFile(join(site, file), 'utf8');
      expect(html, file).not.toMatch(/<script|<link rel="stylesheet"|src="http|href="\//i);
      expect(html).toContain('<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;');
      for (const [, href] of html.matchAll(/href="([^"]*)"/g)) {
        if (href === 'data:,') continue;
        links++;
        const target = resolve(dirname(join(site, file)), decodeURIComponent(href!));
        expect(existsSync(target), `${file} links to ${href}`).toBe(true);
      }
    }
    expect(links).toBeGreaterThan(50);
    const artifact = await readFile(join(site, 'a/chatbot/index.html'), 'utf8');
    // The commands a page names are those a user types: mvr, never the system mv.
    expect(artifact).toContain('rendered by <code>mvr ui</code> (static export).</footer>');
    expect(await readFile(join(site, 'a/chatbot/history.html'), 'utf8')).toContain('ordered by tag date as <code>mvr history chatbot</code>');
    expect(await readFile(join(site, 'a/chatbot/diff/1.0.0..1.1.0.html'), 'utf8')).toContain('Same data as <code>mvr diff chatbot@v1.0.0 chatbot@v1.1.0</code>.');
    expect(artifact).toContain('&lt;img src=x onerror=alert(1)&gt; canary &lt;script&gt;alert(2)&lt;/script&gt;');
    expect(artifact).not.toContain('<form');
    expect(JSON.parse(await readFile(join(site, 'mv-ui.json'), 'utf8'))).toMatchObject({ generator: 'mv ui', artifacts: 2, versions: 4 });
  });

  it('refuses a folder with other files unless --force, and then leaves those files alone', async () => {
    const out = await tempDir();
    await writeFile(join(out, 'notes.txt'), 'mine\n');
    const refused = await cli(fixture.repo.dir, ['ui', '--export', out]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('is not empty and does not hold a previous export of `mvr ui`');
    expect(refused.stderr).toContain('--force');
    expect(await readdir(out)).toEqual(['notes.txt']);

    const forced = await cli(fixture.repo.dir, ['ui', '--export', out, '--force']);
    expect(forced.exitCode).toBe(0);
    expect(forced.stdout.trim()).toBe(`${out}/index.html`);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(out, 'a/chatbot/v/1.1.0.html'))).toBe(true);
  });

  it('replaces a previous export whole (pages of artifacts that are gone disappear)', async () => {
    const out = await tempDir();
    await cliJson(fixture.repo.dir, ['ui', '--export', out]);
    await mkdir(join(out, 'a/gone'), { recursive: true });
    await writeFile(join(out, 'a/gone/index.html'), 'stale');
    const again = await cliJson<ExportJson>(fixture.repo.dir, ['ui', '--export', out]);
    expect(again.replaced).toBe(true);
    expect(existsSync(join(out, 'a/gone'))).toBe(false);
    expect(await filesUnder(out)).toEqual([...again.files].sort());
  });

  it('fails cleanly when DIR is a file', async () => {
    const out = await tempDir();
    await writeFile(join(out, 'site'), 'x');
    const run = await cli(fixture.repo.dir, ['ui', '--export', join(out, 'site')]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('is a file, not a folder');
  });

  it('a version registered at two commits gets a page that says so; the rest of the site is rendered', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    await repo.write('NOTES.md', 'x\n');
    await repo.git('add', 'NOTES.md');
    await repo.git('commit', '-qm', 'another commit');
    await execa('git', ['tag', '-a', '-m', 'Register churn@v0.1.0', 'churn@v0.1.0#1', 'HEAD'], { cwd: repo.dir, env: { GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z' } });
    const site = await renderSite({ cwd: repo.dir });
    expect(site.pages.get('a/churn/v/0.1.0.html')).toContain('is registered at 2 different commits');
    expect(site.pages.get('index.html')).toContain('churn');
  });

  it('renderSite returns the pages without writing anything', async () => {
    const site = await renderSite({ cwd: fixture.repo.dir });
    expect(site).toMatchObject({ artifacts: 2, versions: 4 });
    expect(site.pages.get('a/chatbot/index.html')).toContain(HOSTILE_REASON.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  });
});
