/**
 * The viewer page's script, inlined into the page (no library, no network): it reads the steps
 * from the page's JSON, and on each step marks the active states of every actor's statechart
 * (class `active`), writes each actor's active leaf states and attempt, highlights the step's row
 * of the sequence diagram, moves the timeline's cursor, and shows what happened. Buttons and keys:
 * ← / → (or k / j) previous / next, Home / End first / last. The body's `data-step` says which
 * step is shown.
 * @packageDocumentation
 */

/** The script (plain ES2020, run once the page is parsed). */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('viewer-data').textContent);
  var count = data.steps.length;
  var panels = {};
  document.querySelectorAll('.actor-panel').forEach(function (panel) {
    var states = {};
    panel.querySelectorAll('g.state').forEach(function (g) { states[g.getAttribute('data-path')] = g; });
    panels[panel.getAttribute('data-actor')] = {
      states: states,
      leaves: panel.querySelector('.leaves'),
      attempt: panel.querySelector('.attempt')
    };
  });
  var rows = {};
  document.querySelectorAll('.sequence .seq-step').forEach(function (g) { rows[g.getAttribute('data-step')] = g; });
  var timeline = document.querySelector('.timeline');
  var cursor = timeline ? timeline.querySelector('.timeline-cursor') : null;
  var x0 = timeline ? Number(timeline.getAttribute('data-x0')) : 0;
  var stepWidth = timeline ? Number(timeline.getAttribute('data-step-width')) : 0;
  var label = document.getElementById('step-label');
  var counter = document.getElementById('step-counter');
  var notes = document.getElementById('step-notes');
  var buttons = {
    first: document.getElementById('first'),
    prev: document.getElementById('prev'),
    next: document.getElementById('next'),
    last: document.getElementById('last')
  };
  var current = -1;

  function show(n) {
    n = Math.max(0, Math.min(count - 1, n));
    var step = data.steps[n];
    Object.keys(panels).forEach(function (actor) {
      var panel = panels[actor];
      var active = step.active[actor] || [];
      Object.keys(panel.states).forEach(function (path) {
        panel.states[path].classList.toggle('active', active.indexOf(path) >= 0);
      });
      var leaves = active.filter(function (p) {
        return !active.some(function (q) { return q.indexOf(p + '.') === 0; });
      });
      if (panel.leaves) panel.leaves.textContent = leaves.length ? leaves.join(', ') : '(not deployed)';
      if (panel.attempt) panel.attempt.textContent = step.attempt[actor] === undefined ? '' : 'attempt ' + step.attempt[actor];
    });
    if (rows[current]) rows[current].classList.remove('current');
    if (rows[n]) {
      rows[n].classList.add('current');
      if (rows[n].scrollIntoView) rows[n].scrollIntoView({ block: 'nearest' });
    }
    if (cursor) {
      var x = x0 + n * stepWidth;
      cursor.setAttribute('x1', String(x));
      cursor.setAttribute('x2', String(x));
    }
    label.textContent = step.label;
    counter.textContent = 'step ' + n + ' of ' + (count - 1);
    notes.textContent = '';
    step.notes.forEach(function (note) {
      var li = document.createElement('li');
      li.textContent = note;
      if (note.indexOf('VIOLATED') >= 0) li.className = 'violation';
      notes.appendChild(li);
    });
    document.body.setAttribute('data-step', String(n));
    buttons.first.disabled = buttons.prev.disabled = n === 0;
    buttons.next.disabled = buttons.last.disabled = n === count - 1;
    current = n;
  }

  buttons.first.addEventListener('click', function () { show(0); });
  buttons.prev.addEventListener('click', function () { show(current - 1); });
  buttons.next.addEventListener('click', function () { show(current + 1); });
  buttons.last.addEventListener('click', function () { show(count - 1); });
  Object.keys(rows).forEach(function (k) {
    rows[k].addEventListener('click', function () { show(Number(k)); });
  });
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === 'ArrowRight' || e.key === 'j') show(current + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'k') show(current - 1);
    else if (e.key === 'Home') show(0);
    else if (e.key === 'End') show(count - 1);
    else return;
    e.preventDefault();
  });
  show(0);
})();
`;
