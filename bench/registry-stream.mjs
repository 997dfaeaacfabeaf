// The synthetic registry both the registry and the dashboard benchmarks measure: `artifacts` artifacts with
// `versions` versions each, one commit per version adding its pointer, and per version five stage events
// (staging, a 10% canary, 50/50, 100%, back to candidate), as one `git fast-import` stream.
import { createHash } from 'node:crypto';

export const BENCH_ARTIFACTS = 10;
export const BENCH_VERSIONS = 100;

/** `pointer(name, version, index, time)` gives each version's pointer text. */
export function registryStream({ artifacts = BENCH_ARTIFACTS, versions = BENCH_VERSIONS, pointer, reason } = {}) {
  const parts = [];
  let mark = 0;
  let time = Date.UTC(2026, 0, 1) / 1000;
  const ident = (t) => `Bench <bench@example.com> ${t} +0000`;
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const pointerText = pointer ?? ((name, version) => `mv: 1\nname: ${name}\nversion: ${version}\n`);
  const versionMark = new Map();
  for (let i = 0; i < versions; i++) {
    for (let a = 0; a < artifacts; a++) {
      const name = `model-${a}`;
      const version = `1.${i}.0`;
      mark++;
      versionMark.set(`${name}@${version}`, mark);
      parts.push(`commit refs/heads/main\nmark :${mark}\ncommitter ${ident(time)}\n${data(`train ${name} ${version}`)}${mark > 1 ? `from :${mark - 1}\n` : ''}M 100644 inline models/${name}.mv.yaml\n${data(pointerText(name, version, i, time))}`);
      time++;
    }
  }
  let events = 0;
  for (let a = 0; a < artifacts; a++) {
    const name = `model-${a}`;
    let counter = 0;
    let production = {};
    const tag = (tagName, target, summary, payload) => parts.push(`tag ${tagName}\nfrom :${target}\ntagger ${ident(time++)}\n${data(`${summary}\n\n${JSON.stringify(payload)}`)}`);
    for (let i = 0; i < versions; i++) {
      const version = `1.${i}.0`;
      const target = versionMark.get(`${name}@${version}`);
      const oid = `sha256:${createHash('sha256').update(pointerText(name, version, i, 0)).digest('hex')}`;
      tag(`${name}@v${version}`, target, `Register ${name}@v${version}`, { mv: 1, event: 'register', artifact: name, version, pointer: { path: `models/${name}.mv.yaml`, oid } });
      const previous = Object.keys(production).find((v) => v !== version);
      const steps = [
        ['staging', { [version]: 100 }],
        ['production', previous ? { [version]: 10, [previous]: 90 } : { [version]: 100 }],
        ['production', previous ? { [version]: 50, [previous]: 50 } : { [version]: 100 }],
        ['production', { [version]: 100 }],
        ['candidate', { [version]: 100 }],
      ];
      for (const [stage, state] of steps) {
        counter++;
        events++;
        tag(`${name}#${stage}#${counter}`, target, `Promote ${name}@v${version} to ${stage}`, { mv: 1, event: 'assign', artifact: name, version, stage, state, ...(reason ? { reason } : {}) });
        if (stage === 'production') production = state;
      }
    }
  }
  return { stream: parts.join(''), versions: artifacts * versions, events };
}
