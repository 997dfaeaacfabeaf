/**
 * The dashboard's only style sheet, inlined in every page. The Content-Security-Policy allows exactly this
 * style block (by its hash) and nothing else: no scripts, no remote fonts or images, no inline style
 * attributes. Charts are inline SVG that uses presentation attributes and these classes.
 */
import { createHash } from 'node:crypto';

export const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--accent:#0969da;--good:#1a7f37;--bad:#cf222e;--warn:#9a6700;--prod:#8250df;--staging:#bf8700;--cand:#59636e;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#151b23;--line:#3d444d;--accent:#4493f8;--good:#3fb950;--bad:#f85149;--warn:#d29922;--prod:#ab7df8;--staging:#d29922;--cand:#9198a1}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
header.top{display:flex;gap:1rem;align-items:baseline;padding:.6rem 1.5rem;border-bottom:1px solid var(--line);background:var(--panel)}
header.top .brand{font-weight:700;color:var(--fg)}
nav.crumbs{color:var(--muted)}nav.crumbs a{margin:0 .2rem}
main{padding:1rem 1.5rem 3rem;max-width:1200px}
h1{font-size:1.6rem;margin:.4rem 0 .2rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;padding-bottom:.2rem;border-bottom:1px solid var(--line)}h3{font-size:1rem;margin:1rem 0 .3rem}
.sub{color:var(--muted);margin:0 0 1rem}
table{border-collapse:collapse;width:100%;margin:.3rem 0 1rem}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.85rem;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:hover{background:var(--panel)}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
.muted{color:var(--muted)}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;border:1px solid var(--line);font-size:.8rem;margin:0 .2rem .15rem 0;white-space:nowrap}
.stage-production{border-color:var(--prod);color:var(--prod)}.stage-staging{border-color:var(--staging);color:var(--staging)}.stage-candidate{color:var(--cand)}.stage-archived,.status-archived,.status-deregistered{color:var(--muted);text-decoration:line-through}
.badge.rollback{border-color:var(--warn);color:var(--warn)}.badge.signed{border-color:var(--good);color:var(--good)}.badge.forced,.badge.deprecated{border-color:var(--bad);color:var(--bad)}
.up{color:var(--good)}.down{color:var(--bad)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:1rem}
.card{border:1px solid var(--line);border-radius:.5rem;padding:.8rem 1rem;background:var(--bg)}
.card h3{margin:0 0 .4rem;font-size:1.1rem}
.stage-row{display:grid;grid-template-columns:6.5rem 1fr;gap:.5rem;align-items:start;margin:.35rem 0}
svg.traffic{vertical-align:middle}svg.traffic.wide{display:block;width:100%;height:6px;margin-top:.2rem}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:1rem}
figure.chart{margin:0;border:1px solid var(--line);border-radius:.5rem;padding:.5rem .7rem}
figure.chart figcaption{font-weight:600;margin-bottom:.2rem;overflow-wrap:anywhere}
svg.chart{width:100%;height:auto;display:block}
svg.chart .axis{stroke:var(--line)}svg.chart .line{stroke:var(--accent);fill:none;stroke-width:1.5}
svg.chart .pt{fill:var(--accent)}svg.chart .pt.prod{fill:var(--prod)}svg.chart text{fill:var(--muted);font-size:13px}
ol.timeline{list-style:none;padding:0;margin:0;border-left:2px solid var(--line)}
ol.timeline li{position:relative;padding:.4rem 0 .8rem 1.1rem}
ol.timeline li::before{content:"";position:absolute;left:-7px;top:.75rem;width:12px;height:12px;border-radius:50%;background:var(--bg);border:2px solid var(--accent)}
ol.timeline li.rollback::before{border-color:var(--warn)}ol.timeline li.forced::before{border-color:var(--bad)}
.when{color:var(--muted);font-size:.85rem}
.why{margin:.2rem 0 0;padding:.2rem .6rem;border-left:3px solid var(--line);color:var(--fg);white-space:pre-wrap;overflow-wrap:anywhere}
.pager{display:flex;gap:.8rem;align-items:center;margin:.5rem 0}
.notes{border:1px solid var(--warn);border-radius:.5rem;padding:.4rem .8rem;color:var(--warn)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.3rem 0 1rem}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.side{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.change-added{color:var(--good)}.change-removed{color:var(--bad)}.change-changed{color:var(--warn)}
td.wrap{overflow-wrap:anywhere;white-space:pre-wrap}
.nowrap{white-space:nowrap}
form.compare{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:.5rem 0}
footer{color:var(--muted);font-size:.8rem;padding:1rem 1.5rem;border-top:1px solid var(--line)}
`;

export const STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;

/**
 * No scripts at all (default-src 'none'), this one style block, no plugins, no framing, forms and links
 * only to this site.
 */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src '${STYLE_HASH}'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

/** The same policy for a `<meta>` tag in exported files (where frame-ancestors is not allowed). */
export const META_CONTENT_SECURITY_POLICY = `default-src 'none'; style-src '${STYLE_HASH}'; img-src data:; form-action 'self'; base-uri 'none'`;
