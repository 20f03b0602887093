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
    if (k === "class") node.className = v; else if (k === "value") node.value = v; else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
