// The diagram view's webview: bpmn-js's NavigatedViewer draws the BPMN text; what the language server found
// (resources, URIs, problems, unlinked tasks) and the local API's instance state are drawn on top of it.
// It only draws: the extension sends the text and the analysis (no second parser here), and is told of
// clicks and context actions. Plain script under a strict CSP (no inline script, no eval).
/* global BpmnJS, acquireVsCodeApi */
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const canvasEl = document.getElementById('canvas');
  const banner = document.getElementById('banner');
  const header = document.getElementById('header');
  const tooltip = document.getElementById('tooltip');
  let viewer;
  let info;
  let drawn = false; // a drawing is on the canvas (kept while the text does not parse)
  let instance; // { waiting, incident } of the chosen instance
  let selected;
  let theme = document.body.className;

  function themeColors() {
    const css = getComputedStyle(document.body);
    const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    return { fill: v('--vscode-editor-background', '#ffffff'), stroke: v('--vscode-editor-foreground', '#000000') };
  }

  function newViewer() {
    if (viewer) viewer.destroy();
    const c = themeColors();
    viewer = new BpmnJS({ container: canvasEl, bpmnRenderer: { defaultFillColor: c.fill, defaultStrokeColor: c.stroke, defaultLabelColor: c.stroke } });
    const bus = viewer.get('eventBus');
    bus.on('element.click', (e) => {
      const id = e.element && e.element.businessObject && e.element.businessObject.id;
      if (id && e.element.type !== 'bpmn:Process') vscode.postMessage({ type: 'reveal', id });
    });
    bus.on('element.hover', (e) => showTooltip(e.element, e.originalEvent));
    bus.on('element.out', hideTooltip);
    drawn = false;
  }

  function escape(s) {
    return String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);
  }

  function setBanner(text, kind) {
    banner.textContent = text || '';
    banner.className = text ? `banner ${kind || ''}` : 'banner hidden';
  }

  async function show(next) {
    info = next;
    const header0 = info.resources.filter((r) => r.root).map((r) => `${r.name} ${r.uri}`);
    header.textContent = header0.length ? `root resource: ${header0.join(' · ')}` : '';
    if (!info.hasDiagram && !info.syntaxError) {
      canvasEl.classList.add('hidden');
      setBanner('This file has no diagram interchange (no BPMNDiagram/BPMNPlane): there is nothing to draw. A modeller such as Camunda Modeler or bpmn.io adds it when it lays the process out.', 'info');
      return;
    }
    canvasEl.classList.remove('hidden');
    if (info.syntaxError) {
      setBanner(`XML syntax error at line ${info.syntaxError.line}: ${info.syntaxError.message}${drawn ? ' (the drawing is the last good one)' : ''}`, 'error');
      return;
    }
    const canvas = viewer.get('canvas');
    const keep = drawn ? canvas.viewbox() : undefined;
    // bpmn-js logs each element it cannot draw to the console and also returns it as a warning: the banner
    // shows the warnings to the user, so the console copy is held back while importing.
    const consoleError = console.error;
    console.error = (...args) => {
      if (!(typeof args[0] === 'string' && args[0].startsWith('failed to import'))) consoleError.apply(console, args);
    };
    try {
      const result = await viewer.importXML(info.text);
      drawn = true;
      const w = result.warnings || [];
      setBanner(w.length ? `bpmn-js could not draw ${w.length} element(s) as the file describes them: ${w[0].message}` : '', 'warning');
    } catch (err) {
      setBanner(`bpmn-js cannot draw this file: ${err.message}${drawn ? ' (the drawing is the last good one)' : ''}`, 'error');
      return;
    } finally {
      console.error = consoleError;
    }
    if (keep) canvas.viewbox(keep);
    else canvas.zoom('fit-viewport', 'auto');
    decorate();
  }

  function registry() {
    return viewer.get('elementRegistry');
  }

  /** Overlays and markers from the analysis and the chosen instance. */
  function decorate() {
    if (!drawn || !info) return;
    const overlays = viewer.get('overlays');
    const canvas = viewer.get('canvas');
    overlays.clear();
    for (const el of registry().getAll()) {
      for (const m of ['bra-error', 'bra-warning', 'bra-information', 'bra-unlinked', 'bra-waiting', 'bra-incident', 'bra-selected']) canvas.removeMarker(el, m);
    }
    const has = (id) => !!registry().get(id);
    for (const r of info.resources) {
      const at = r.root ? info.pools[r.elementId] : r.elementId;
      if (!at || !has(at)) continue;
      const html =
        `<div class="bra-resource${r.root ? ' root' : ''}" data-element="${escape(r.elementId)}" data-uri="${escape(r.uri)}" data-name="${escape(r.name)}">` +
        `<span class="name">${escape(r.name)}</span><code>${escape(r.uri)}</code>` +
        `<span class="actions"><button data-action="openClass" title="Go to the UML class">class</button><button data-action="copyUri" title="Copy the URI">copy</button></span></div>`;
      overlays.add(at, 'bra-resource', { position: r.root ? { top: 4, left: 30 } : { bottom: 4, left: 0 }, html });
    }
    for (const p of info.problems) if (has(p.elementId)) canvas.addMarker(p.elementId, `bra-${p.severity}`);
    for (const id of info.unlinkedUserTasks) {
      if (!has(id)) continue;
      canvas.addMarker(id, 'bra-unlinked');
      overlays.add(id, 'bra-note', { position: { top: -22, left: 0 }, html: '<div class="bra-note">no resource</div>' });
    }
    if (instance) {
      for (const id of instance.waiting || []) if (has(id)) canvas.addMarker(id, 'bra-waiting');
      if (instance.incident && has(instance.incident.elementId)) {
        canvas.addMarker(instance.incident.elementId, 'bra-incident');
        overlays.add(instance.incident.elementId, 'bra-note', { position: { top: -22, left: 0 }, html: `<div class="bra-note incident">${escape(instance.incident.message)}</div>` });
      }
    }
    if (selected && has(selected)) canvas.addMarker(selected, 'bra-selected');
  }

  function showTooltip(element, event) {
    const id = element && element.businessObject && element.businessObject.id;
    const p = info && info.problems.find((x) => x.elementId === id);
    if (!p || !event) return hideTooltip();
    tooltip.textContent = p.messages.join('\n');
    tooltip.className = `tooltip ${p.severity}`;
    tooltip.style.left = `${event.clientX + 12}px`;
    tooltip.style.top = `${event.clientY + 12}px`;
  }

  function hideTooltip() {
    tooltip.className = 'tooltip hidden';
  }

  function select(id) {
    if (!drawn) return;
    const canvas = viewer.get('canvas');
    if (selected && registry().get(selected)) canvas.removeMarker(selected, 'bra-selected');
    selected = registry().get(id) ? id : undefined;
    if (!selected) return;
    canvas.addMarker(selected, 'bra-selected');
    const el = registry().get(selected);
    const vb = canvas.viewbox();
    const inside = el.x >= vb.x && el.y >= vb.y && el.x + (el.width || 0) <= vb.x + vb.width && el.y + (el.height || 0) <= vb.y + vb.height;
    if (!inside && canvas.scrollToElement) canvas.scrollToElement(el);
  }

  // Context actions of a resource overlay (event delegation: no inline handlers under the CSP).
  document.addEventListener('click', (e) => {
    const button = e.target.closest && e.target.closest('button[data-action]');
    if (!button) return;
    const box = button.closest('.bra-resource');
    e.stopPropagation();
    vscode.postMessage({ type: button.dataset.action, elementId: box.dataset.element, uri: box.dataset.uri, name: box.dataset.name });
  }, true);

  document.addEventListener('keydown', (e) => {
    if (!drawn || e.ctrlKey || e.metaKey || e.altKey) return;
    const canvas = viewer.get('canvas');
    if (e.key === '+' || e.key === '=') canvas.zoom(canvas.zoom() * 1.2);
    else if (e.key === '-') canvas.zoom(canvas.zoom() / 1.2);
    else if (e.key === '0') canvas.zoom(1);
    else if (e.key === 'f') canvas.zoom('fit-viewport', 'auto');
    else return;
    e.preventDefault();
  });

  // Theme changes (VS Code sets the body's class): redraw with the theme's colours.
  new MutationObserver(() => {
    if (document.body.className === theme) return;
    theme = document.body.className;
    newViewer();
    if (info) show(info);
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });

  window.addEventListener('message', (e) => {
    const m = e.data;
    if (m.type === 'show') {
      shown = true;
      show(m.info).then(() => vscode.postMessage({ type: 'drawn', version: m.info.version }));
    }
    else if (m.type === 'select') select(m.id);
    else if (m.type === 'instance') {
      instance = m.state;
      decorate();
    } else if (m.type === 'instances') showInstances(m.keys, m.chosen, m.running);
  });

  // The local API's instances (the extension polls while the view is visible and the API runs).
  const picker = document.getElementById('instance');
  function showInstances(keys, chosen, running) {
    document.getElementById('toolbar').classList.toggle('hidden', !running);
    const want = ['', ...keys];
    const have = [...picker.options].map((o) => o.value);
    if (want.join('\n') !== have.join('\n')) {
      picker.replaceChildren(...want.map((k) => {
        const o = document.createElement('option');
        o.value = k;
        o.textContent = k || '(none)';
        return o;
      }));
    }
    picker.value = chosen && keys.includes(chosen) ? chosen : '';
    if (!picker.value && instance) {
      instance = undefined;
      decorate();
    }
  }
  picker.addEventListener('change', () => vscode.postMessage({ type: 'chooseInstance', key: picker.value }));

  newViewer();
  // 'ready' until the first drawing arrives (a message sent before the extension listens would be lost).
  let shown = false;
  const hello = () => {
    if (shown) return;
    vscode.postMessage({ type: 'ready' });
    setTimeout(hello, 1000);
  };
  hello();
})();
