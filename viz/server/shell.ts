// The one HTML page of the app: linked to the bundle when served, with bundle and data inlined
// in an exported report.

const HEAD = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>springtail</title>`;

export function servedShell(): string {
  return `${HEAD}
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
</head>
<body>
<div id="app"></div>
<script src="/app.js"></script>
</body>
</html>
`;
}

/** `</script` or `<!--` inside inlined text would end or confuse the script element. */
function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

export function inlineShell(css: string, js: string, data: unknown): string {
  // JSON with every '<' escaped is still the same JSON and cannot close the element
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `${HEAD}
<style>${css.replace(/<\/(style)/gi, '<\\/$1')}</style>
</head>
<body>
<div id="app"></div>
<script>window.__SPRINGTAIL_EXPORT__ = ${json};</script>
<script>${scriptSafe(js)}</script>
</body>
</html>
`;
}
