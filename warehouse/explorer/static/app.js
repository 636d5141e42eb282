// longue-durée explorer: the page state lives in the URL (?term=..&by=..), so a view can be
// shared or cited; every view is one call of /api/<view> (typed parameters, never SQL).
"use strict";

const $ = (id) => document.getElementById(id);
const EMBED = { renderer: "svg", actions: { export: true, source: false, compiled: false, editor: false } };
let meta = null;

// ---- URL state -----------------------------------------------------------------------
function state() { return new URLSearchParams(location.search); }
function setState(changes, replace) {
  const s = state();
  for (const [k, v] of Object.entries(changes)) {
    s.delete(k);
    if (Array.isArray(v)) v.forEach((x) => s.append(k, x));
    else if (v !== null && v !== undefined && v !== "") s.set(k, v);
  }
  const url = location.pathname + "?" + s.toString();
  if (replace) history.replaceState(null, "", url); else history.pushState(null, "", url);
}

// ---- calls ---------------------------------------------------------------------------
function apiUrl(view, params, format) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else if (v !== null && v !== undefined && v !== "") q.set(k, v);
  }
  if (format) q.set("format", format);
  return `/api/${view}?${q.toString()}`;
}

async function call(view, params) {
  const response = await fetch(apiUrl(view, params));
  let body;
  try { body = await response.json(); } catch (e) { body = { error: `${response.status} ${response.statusText}` }; }
  if (!response.ok || body.error) throw new Error(body.error || `${response.status}`);
  return body;
}

function showError(message) {
  const el = $("error");
  el.textContent = message;
  el.hidden = !message;
}

function showNotes(id, notes) {
  const el = $(id);
  el.innerHTML = "";
  (notes || []).forEach((n) => { const li = document.createElement("li"); li.textContent = n; el.appendChild(li); });
  el.hidden = !(notes && notes.length);
}

function csvLink(id, view, params) {
  const a = $(id);
  a.href = apiUrl(view, params, "csv");
  a.setAttribute("download", "");
  a.hidden = false;
}

function table(el, columns, rows, opts = {}) {
  el.innerHTML = "";
  const t = document.createElement("table");
  const head = t.createTHead().insertRow();
  columns.forEach((c) => { const th = document.createElement("th"); th.textContent = c; head.appendChild(th); });
  const body = t.createTBody();
  rows.slice(0, opts.max || 1000).forEach((r, i) => {
    const tr = body.insertRow();
    columns.forEach((c) => {
      const td = tr.insertCell();
      const v = r[c];
      td.textContent = v === null || v === undefined ? "" : (typeof v === "number" && !Number.isInteger(v) ? v.toPrecision(4) : String(v));
      td.className = c;
    });
    if (opts.onClick) { tr.className = "clickable"; tr.addEventListener("click", () => opts.onClick(r, i)); }
  });
  el.appendChild(t);
}

// ---- timelines -----------------------------------------------------------------------
function splitTerms(text) {
  // commas separate terms, except inside double quotes ("Paris, France")
  const out = []; let cur = ""; let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === "," && !quoted) { out.push(cur); cur = ""; } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t);
}

function timelineParams() {
  const s = state();
  return { term: s.getAll("term"), by: s.get("by") || "decade", split: s.get("split") || "",
           language: s.get("language") || "", smooth: s.get("smooth") || "0" };
}

function fillForm() {
  const p = timelineParams();
  $("terms").value = p.term.map((t) => (t.includes(",") ? `"${t}"` : t)).join(", ");
  $("by").value = p.by; $("split").value = p.split; $("language").value = p.language;
  $("smooth").value = p.smooth;
}

async function runTimeline() {
  const p = timelineParams();
  if (!p.term.length) return;
  showError("");
  document.body.dataset.timeline = "loading";
  let result;
  try {
    result = await call("timeline", p);
  } catch (e) {
    showError(e.message);
    $("chart").innerHTML = ""; showNotes("notes", []);
    document.body.dataset.timeline = "error";
    return;
  }
  showNotes("notes", result.notes);
  csvLink("csv-timeline", "timeline", p);
  const rows = result.rows;
  rows.forEach((r) => { r.series = r.split ? `${r.term} · ${r.split}` : r.term; });
  const smooth = Number(p.smooth) > 0;
  const tooltip = [
    { field: "term" }, { field: "period", title: "from" }, { field: "period_end", title: "to" },
    ...(p.split ? [{ field: "split", title: p.split }] : []),
    { field: "per_million", format: ".2f" }, { field: "ci_low", format: ".2f" }, { field: "ci_high", format: ".2f" },
    ...(smooth ? [{ field: "smoothed", format: ".2f" }] : []),
    { field: "count" }, { field: "total", title: "tokens" }, { field: "n_docs" }, { field: "n_docs_with_term" },
    { field: "language" }, { field: "ocr_confidence", format: ".3f", title: "OCR confidence" },
    { field: "n_ocr_docs", title: "OCRed docs" },
  ];
  const x = { field: "period", type: "quantitative", title: p.by, axis: { format: "d" }, scale: { zero: false } };
  const color = { field: "series", type: "nominal", title: null };
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 620, height: 300, data: { values: rows },
    config: { legend: { symbolOpacity: 1, symbolType: "circle" } },  // not the band's faint fill
    layer: [
      { mark: { type: "area", opacity: 0.18 }, encoding: { x, y: { field: "ci_low", type: "quantitative" }, y2: { field: "ci_high" }, color } },
      { mark: { type: "line" }, encoding: { x, y: { field: smooth ? "smoothed" : "per_million", type: "quantitative", title: "per million" }, color } },
      { mark: { type: "point", filled: true, size: 70, cursor: "pointer" },
        encoding: { x, y: { field: "per_million", type: "quantitative" }, color, tooltip } },
    ],
  };
  const embedded = await vegaEmbed("#chart", spec, EMBED);
  embedded.view.addEventListener("click", (event, item) => {
    if (item && item.datum && item.datum.period !== undefined && item.datum.term !== undefined) openPoint(item.datum);
  });
  table($("timeline-table"), result.columns, rows);
  $("timeline-data").hidden = false;
  const ocr = rows.filter((r) => r.ocr_confidence !== null);
  $("ocr-figure").hidden = !ocr.length;
  if (ocr.length) {
    await vegaEmbed("#ocr-chart", {
      width: 620, height: 120, data: { values: ocr },
      mark: { type: "point", filled: true },
      encoding: { x, y: { field: "ocr_confidence", type: "quantitative", scale: { domain: [0, 1] }, title: "OCR confidence" },
                  size: { field: "n_ocr_docs", type: "quantitative", title: "OCRed docs" }, color, tooltip },
    }, EMBED);
  }
  await runComposition(p);
  document.body.dataset.timeline = "ready";
}

async function runComposition(p) {
  const params = { by: p.by, split: p.split || "kind" };
  try {
    const result = await call("composition", params);
    csvLink("csv-composition", "composition", params);
    await vegaEmbed("#composition", {
      width: 320, height: 300, data: { values: result.rows },
      mark: "bar",
      encoding: {
        x: { field: "period", type: "ordinal", title: params.by },
        y: { field: "n_alpha", type: "quantitative", title: "words (alphabetic tokens)" },
        color: { field: params.split, type: "nominal" },
        tooltip: [{ field: "period" }, { field: params.split }, { field: "n_docs" }, { field: "n_alpha" },
                  { field: "n_tokens" }, { field: "mean_ocr_confidence", format: ".3f" }, { field: "n_ocr_docs" }],
      },
    }, EMBED);
  } catch (e) { showError(e.message); }
}

// ---- from a point to its passages ----------------------------------------------------
function openPoint(d) {
  const p = timelineParams();
  setState({ k_term: d.term, k_start: d.period, k_end: d.period_end,
             k_split: p.split || "", k_value: p.split ? d.split : "",
             k_lang: d.language && d.language !== "all" ? d.language : "",
             doc: null, gpos: null, len: null });
  runKwic();
}

function kwicParams() {
  const s = state();
  return { term: s.get("k_term"), start: s.get("k_start"), end: s.get("k_end"),
           split: s.get("k_split") || "", value: s.get("k_value") || "", language: s.get("k_lang") || "" };
}

async function runKwic() {
  const p = kwicParams();
  if (!p.term) { $("kwic").hidden = true; return; }
  $("kwic").hidden = false;
  $("kwic-title").textContent = `“${p.term}”, ${p.start}–${p.end}` + (p.value ? ` · ${p.value}` : "") + (p.language ? ` · ${p.language}` : "");
  document.body.dataset.kwic = "loading";
  try {
    const result = await call("kwic", p);
    showNotes("kwic-notes", result.notes);
    $("csv-kwic").href = apiUrl("kwic", p, "csv");
    $("csv-kwic").setAttribute("download", "");
    table($("kwic-table"), ["year", "kind", "title", "left", "match", "right"], result.rows,
          { onClick: (r) => { setState({ doc: r.doc_id, gpos: r.gpos, len: r.length }); openDocument(); } });
    $("kwic").scrollIntoView({ behavior: "instant", block: "start" });
    document.body.dataset.kwic = "ready";
  } catch (e) { showError(e.message); document.body.dataset.kwic = "error"; }
}

async function openDocument() {
  const s = state();
  const p = { doc_id: s.get("doc"), gpos: s.get("gpos"), length: s.get("len") || "1" };
  if (!p.doc_id) { $("document").hidden = true; return; }
  document.body.dataset.document = "loading";
  let result;
  try { result = await call("document", p); } catch (e) { showError(e.message); document.body.dataset.document = "error"; return; }
  const d = result.document;
  $("document").hidden = false;
  $("doc-title").textContent = d.title || d.doc_id;
  $("csv-document").href = apiUrl("document", p, "csv");
  $("csv-document").setAttribute("download", "");
  const fields = [
    ["document", d.doc_id], ["authors", d.authors], ["date as written", d.date_text],
    ["date normalised", [d.date_start, d.date_end].filter((x) => x).join(" – ") +
      (d.date_precision ? ` (${d.date_precision}${d.date_approximate ? ", approximate" : ""})` : "")],
    ["collection", `${d.collection} (${d.kind}, ${d.language || "?"})`],
    ["place", d.place], ["publisher", d.publisher], ["sender", d.sender], ["recipient", d.recipient],
    ["source file", d.source_path], ["format", d.source_format], ["sha256", d.source_sha256],
    ["OCR confidence", d.ocr_confidence === null ? "not OCR" : d.ocr_confidence.toFixed(3)],
    ["words", d.n_words], ["duplicate of", d.duplicate_of],
  ];
  const dl = $("doc-fields"); dl.innerHTML = "";
  fields.filter(([, v]) => v !== null && v !== undefined && v !== "").forEach(([k, v]) => {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    dl.append(dt, dd);
  });
  const x = result.excerpt;
  const text = $("doc-text"); text.innerHTML = "";
  const mark = document.createElement("mark"); mark.textContent = x.match;
  text.append(document.createTextNode((x.offset > 0 ? "… " : "") + x.before), mark,
              document.createTextNode(x.after + (x.offset + x.before.length + x.match.length + x.after.length < x.n_chars ? " …" : "")));
  $("doc-excerpt-note").textContent = `characters ${x.offset}–${x.offset + x.before.length + x.match.length + x.after.length} of ${x.n_chars}; the passage is marked`;
  showPages(result.pages, p.doc_id);
  $("document").scrollIntoView({ behavior: "instant", block: "start" });
  mark.scrollIntoView({ block: "center" });
  document.body.dataset.document = "ready";
}

function showPages(pages, docId) {
  const el = $("doc-pages"); el.innerHTML = "";
  if (!pages.length) return;
  const ordered = [...pages].sort((a, b) => (b.has_passage - a.has_passage) || a.page_number - b.page_number);
  ordered.slice(0, 6).forEach((pg) => {
    const div = document.createElement("div");
    div.className = "page" + (pg.has_passage ? " passage" : "");
    const w = pg.has_passage ? 260 : 90; const ratio = pg.width && pg.height ? pg.height / pg.width : 1.4;
    const box = document.createElement("div"); box.className = "page-box";
    box.style.width = `${w}px`; box.style.height = `${Math.round(w * ratio)}px`;
    if (pg.image_available) {
      const img = document.createElement("img"); img.alt = `page ${pg.page_number}`;
      img.src = `/api/page-image?doc_id=${encodeURIComponent(docId)}&page=${pg.page_number}`;
      box.appendChild(img);
    }
    if (pg.box) {
      const b = document.createElement("div"); b.className = "word-box";
      Object.assign(b.style, { left: `${pg.box.x * 100}%`, top: `${pg.box.y * 100}%`,
                               width: `${Math.max(pg.box.w * 100, 1)}%`, height: `${Math.max(pg.box.h * 100, 0.6)}%` });
      box.appendChild(b);
    }
    const cap = document.createElement("div");
    cap.textContent = `page ${pg.page_number}` + (pg.has_passage ? " (the passage)" : "") +
      (pg.word_confidence !== null ? ` · OCR ${pg.word_confidence.toFixed(2)}` : "");
    const path = document.createElement("div"); path.className = "muted";
    path.textContent = (pg.image_available ? "" : "image not at hand: ") + (pg.image_path || "no image path");
    div.append(box, cap, path);
    if (pg.box_note) { const n = document.createElement("div"); n.className = "muted"; n.textContent = pg.box_note; div.appendChild(n); }
    el.appendChild(div);
  });
  if (pages.length > 6) { const more = document.createElement("p"); more.className = "muted"; more.textContent = `${pages.length - 6} more pages`; el.appendChild(more); }
}

// ---- models --------------------------------------------------------------------------
async function simpleView(view, params, name) {
  try {
    const result = await call(view, params);
    showNotes(`${name}-notes`, result.notes);
    csvLink(`csv-${name}`, view, params);
    table($(`${name}-table`), result.columns, result.rows, { max: 500 });
    return result;
  } catch (e) { showError(e.message); return null; }
}

async function runModels() {
  const s = state();
  if (s.get("word")) { $("nb-word").value = s.get("word"); simpleView("neighbours", { word: s.get("word") }, "neighbours"); }
  $("actor-name").value = s.get("actor") || ""; $("actor-kind").value = s.get("akind") || "";
  simpleView("actors", { name: s.get("actor") || "", kind: s.get("akind") || "" }, "actors");
  simpleView("drift", {}, "drift");
  if (s.get("n_mode")) {
    $("net-start").value = s.get("n_start") || ""; $("net-end").value = s.get("n_end") || "";
    $("net-mode").value = s.get("n_mode");
    simpleView("network", { start: s.get("n_start") || "", end: s.get("n_end") || "", mode: s.get("n_mode") }, "network");
  }
  try {
    const topics = await call("topics", {});
    showNotes("topics-notes", topics.notes);
    csvLink("csv-topics", "topics", {});
    if (topics.rows.length) {
      const embedded = await vegaEmbed("#topics-chart", {
        width: 620, height: 260, data: { values: topics.rows },
        mark: { type: "line", point: true },
        encoding: { x: { field: "period_start", type: "quantitative", axis: { format: "d" }, title: "period", scale: { zero: false } },
                    y: { field: "prevalence", type: "quantitative" },
                    color: { field: "topic", type: "nominal" },
                    tooltip: [{ field: "topic" }, { field: "label" }, { field: "period" }, { field: "prevalence", format: ".3f" }, { field: "n_docs" }] },
      }, EMBED);
      embedded.view.addEventListener("click", async (event, item) => {
        if (!item || !item.datum || item.datum.topic === undefined) return;
        try {
          const terms = await call("topic_terms", { topic: item.datum.topic });
          table($("topic-terms"), terms.columns, terms.rows);
        } catch (e) { showError(e.message); }
      });
    }
  } catch (e) { showError(e.message); }
}

// ---- wiring --------------------------------------------------------------------------
function showTab(name) {
  document.querySelectorAll(".tab-panel").forEach((el) => { el.hidden = el.id !== `tab-${name}`; });
  document.querySelectorAll(".tab").forEach((el) => el.classList.toggle("active", el.dataset.tab === name));
  if (name === "models" && !showTab.modelsLoaded) { showTab.modelsLoaded = true; runModels(); }
}

async function restore() {
  const s = state();
  fillForm();
  showTab(s.get("tab") || "timeline");
  if (s.getAll("term").length) await runTimeline();
  if (s.get("k_term")) await runKwic(); else $("kwic").hidden = true;
  if (s.get("doc")) await openDocument(); else $("document").hidden = true;
}

async function init() {
  try { meta = await call("meta", {}); } catch (e) { showError(e.message); return; }
  $("warehouse").textContent = `${meta.warehouse} · ${meta.rows.pages ? "pages" : "no pages"}`;
  meta.bins.forEach((b) => $("by").add(new Option(b, b)));
  meta.splits.forEach((b) => $("split").add(new Option(b, b)));
  [...meta.languages, "all"].forEach((l) => $("language").add(new Option(l === "all" ? "all languages" : l, l)));
  $("by").value = "decade";
  $("query").addEventListener("submit", (e) => {
    e.preventDefault();
    setState({ tab: null, term: splitTerms($("terms").value), by: $("by").value, split: $("split").value,
               language: $("language").value, smooth: $("smooth").value === "0" ? "" : $("smooth").value,
               k_term: null, k_start: null, k_end: null, k_split: null, k_value: null, k_lang: null,
               doc: null, gpos: null, len: null });
    $("kwic").hidden = true; $("document").hidden = true;
    runTimeline();
  });
  $("neighbours-form").addEventListener("submit", (e) => {
    e.preventDefault(); setState({ word: $("nb-word").value.trim() });
    simpleView("neighbours", { word: $("nb-word").value.trim() }, "neighbours");
  });
  $("network-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = { start: $("net-start").value.trim(), end: $("net-end").value.trim(), mode: $("net-mode").value };
    setState({ n_start: q.start, n_end: q.end, n_mode: q.mode });
    simpleView("network", q, "network");
  });
  $("actors-form").addEventListener("submit", (e) => {
    e.preventDefault(); setState({ actor: $("actor-name").value.trim(), akind: $("actor-kind").value });
    simpleView("actors", { name: $("actor-name").value.trim(), kind: $("actor-kind").value }, "actors");
  });
  document.querySelectorAll(".tab").forEach((el) => el.addEventListener("click", () => {
    setState({ tab: el.dataset.tab === "timeline" ? null : el.dataset.tab }); showTab(el.dataset.tab);
  }));
  window.addEventListener("popstate", restore);
  await restore();
  document.body.dataset.ready = "1";
}

init();
