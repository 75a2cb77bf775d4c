/**
 * The diagram view's page: bpmn-js and our script from the bundled files only, under a strict
 * Content-Security-Policy (scripts only with the nonce, nothing from the network). Apart from the vscode
 * module, so the browser test of the page loads the same markup.
 */
export function diagramHtml(src: (file: string) => string, cspSource: string, nonce: string): string {
  // bpmn-js sets style attributes on its SVG, hence inline styles (not scripts).
  const csp = `default-src 'none'; img-src ${cspSource} data:; font-src ${cspSource}; style-src ${cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${src('diagram-js.css')}"><link rel="stylesheet" href="${src('bpmn-js.css')}"><link rel="stylesheet" href="${src('diagram.css')}">
</head><body>
<div id="header"></div>
<div id="toolbar" class="hidden"><label for="instance">Instance</label> <select id="instance"><option value="">(none)</option></select></div>
<div id="banner" class="banner hidden"></div>
<div id="canvas"></div>
<div id="tooltip" class="tooltip hidden"></div>
<script nonce="${nonce}" src="${src('bpmn-navigated-viewer.production.min.js')}"></script>
<script nonce="${nonce}" src="${src('diagram.js')}"></script>
</body></html>`;
}
