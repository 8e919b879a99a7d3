/**
 * `GET /`: one self-contained page (inline style and script, nothing fetched from anywhere
 * but this server). The Content-Security-Policy allows exactly these two inline blocks, by
 * hash, and connections back to this origin only.
 */
import { createHash } from 'node:crypto';
import { PAGE_SCRIPT } from './page-script.js';

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; }
header { padding: 8px 16px; background: #1d2b3a; color: #fff; display: flex; gap: 24px; align-items: baseline; }
header h1 { font-size: 16px; margin: 0; }
main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 16px; padding: 16px; }
section h2 { font-size: 13px; text-transform: uppercase; color: #666; margin: 0 0 8px; }
#tree { font-family: ui-monospace, monospace; }
#tree details, #tree .row { margin-left: 16px; }
#tree > details { margin-left: 0; }
.k { color: #8a3b12; } .n { color: #888; } .string { color: #1a6b2d; } .number { color: #1a4f9c; }
.boolean, .null { color: #7a2a8c; }
table { border-collapse: collapse; width: 100%; } td { padding: 2px 8px 2px 0; font-family: ui-monospace, monospace; }
#changes { list-style: none; padding: 0; margin: 0; max-height: 50vh; overflow-y: auto; font-family: ui-monospace, monospace; font-size: 12px; }
#changes li { display: flex; gap: 8px; border-bottom: 1px solid #eee; padding: 2px 0; }
#changes .origin { color: #8a3b12; } #changes .paths { flex: 1; overflow-wrap: anywhere; } #changes time { color: #888; }
`;

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>memsync</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>memsync</h1>
  <span>version <b id="version">-</b></span>
  <span>this peer: <b id="role">-</b></span>
  <span>host <b id="host">-</b></span>
  <span>epoch <b id="epoch">-</b></span>
  <span id="live">connecting</span>
</header>
<main>
  <section><h2>State</h2><div id="tree"></div></section>
  <div>
    <section><h2>Members</h2><table><tbody id="members"></tbody></table></section>
    <section><h2>Recent changes</h2><ol id="changes"></ol></section>
  </div>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

export const PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hash(PAGE_SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
