"use strict";
// Shared by report.html and the review station: the words of the page's language, and
// elements built with text nodes only (document text is never parsed as HTML).
const W = JSON.parse(document.getElementById("words").textContent);
function t(key, values) {
  return (W.words[key] ?? key).replace(/\{(\w+)\}/g, (m, k) => values && k in values ? String(values[k]) : m);
}
function named(kind, value) { return (W.names[kind] && W.names[kind][value]) || value; }
for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v; else if (k === "value") node.value = v; else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A confidence as people read it: 0.9997 -> "99%" (never rounded up to a certainty).
function pct(c) { return typeof c === "number" ? `${Math.floor(c * 100)}%` : "—"; }

// What a document is called in a heading: its form's name; a page no form was recognised
// on by its file (the doc_id is a hash no one can read).
function fileName(d) {
  const base = String(d.path || "").split(/[\\/]/).pop();
  return d.attachment ? `${base} [${d.attachment}]` : base;
}
function heading(d) {
  return d.form_type === "unknown" ? t("report.unrecognised", { name: fileName(d) }) : named("forms", d.form_type);
}

// A crop as large as it needs to be read: its value at least CROP_MIN_HEIGHT px high (a small
// crop is scaled up), never wider than its column (CSS max-width: 100%).
const CROP_MIN_HEIGHT = 24;
function fitCrop(img) {
  if (!img.naturalWidth || !img.naturalHeight) return;
  const scale = Math.max(1, CROP_MIN_HEIGHT / img.naturalHeight);
  img.style.width = `${Math.round(img.naturalWidth * scale)}px`;
}
function crop(src, attrs) {
  if (!src) return el("span", { class: "muted" }, "—");
  const img = el("img", { src: src, class: "crop", alt: "", ...(attrs || {}) });
  img.addEventListener("load", () => fitCrop(img));
  if (img.complete) fitCrop(img);
  return img;
}

// The width of a field-name column: its longest label on one line (a CJK character is about
// 1em wide, a Latin one about 0.6em), within reason.
function labelWidth(labels) {
  const ems = labels.map(s => [...String(s)].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e7f ? 1 : 0.6), 0));
  return `${Math.min(14, Math.max(4, ...ems) + 1.4).toFixed(1)}em`;
}

// The to-do line: each flag's words once, in the order to chase them (``extra`` adds a
// control to a flag's words, as the review station's 已核对).
function todoLine(d, extra) {
  const parts = [];
  d.flags.forEach((f, i) => {
    if (i) parts.push(t("list.sep"));
    parts.push(el("span", { class: "flag", "data-flag": f, title: f }, (d.flag_words || {})[f] || f, extra ? extra(f) : null));
  });
  return parts;
}
