// The live page: draws /map.json once, then every state the server sends over /events.
// Article text only ever reaches the document as textContent or text nodes: never as markup.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  // Articles per country in the window -> fill; the legend shows the same bins (colour-blind safe, YlOrRd).
  var BINS = [1, 2, 5, 10, 20, 50];
  var FILLS = ["#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#e31a1c", "#800026"];
  var ZERO = "#dde2e7";
  var page = { filter: null, selected: null, pending: null, last: null, shapes: {}, names: {}, dots: {}, rows: "" };
  var projection, dotLayer;

  function byId(id) { return document.getElementById(id); }
  function html(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    return node;
  }
  function fillOf(count) {
    var bin = -1;
    for (var i = 0; i < BINS.length; i++) if (count >= BINS[i]) bin = i;
    return bin < 0 ? ZERO : FILLS[bin];
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function drawMap(topology) {
    var features = topojson.feature(topology, topology.objects.countries).features;
    projection = d3.geoEqualEarth().fitExtent([[4, 4], [956, 496]], { type: "Sphere" });
    var path = d3.geoPath(projection);
    byId("sphere").setAttribute("d", path({ type: "Sphere" }));
    var layer = byId("countries");
    features.forEach(function (feature) {
      var code = feature.properties.code, name = feature.properties.name || code;
      if (!code) return;
      var shape = svg("path", { d: path(feature) || "", "data-country": code, "data-count": "0", fill: ZERO,
                                tabindex: "0", role: "button", "aria-label": name });
      var title = svg("title");
      title.textContent = name + " (" + code + "): 0 articles";
      shape.appendChild(title);
      shape.addEventListener("mouseenter", function () { describe(code); });
      shape.addEventListener("focus", function () { describe(code); });
      shape.addEventListener("click", function () { toggleFilter(code); });
      shape.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggleFilter(code); }
      });
      (page.shapes[code] = page.shapes[code] || []).push(shape);
      page.names[code] = page.names[code] || name;
      layer.appendChild(shape);
    });
    dotLayer = byId("places");
  }

  function drawLegend() {
    var legend = byId("legend");
    legend.appendChild(html("span", "", "articles in the window:"));
    var swatch = function (fill, label) {
      var item = html("span"), box = html("i");
      box.style.background = fill;
      item.appendChild(box);
      item.appendChild(document.createTextNode(label));
      legend.appendChild(item);
    };
    swatch(ZERO, "0");
    BINS.forEach(function (low, i) {
      var high = BINS[i + 1];
      swatch(FILLS[i], high === undefined ? low + "+" : (high - 1 === low ? String(low) : low + "–" + (high - 1)));
    });
    var dot = html("span"), mark = html("i", "dot");
    dot.appendChild(mark);
    dot.appendChild(document.createTextNode("place: area grows with articles"));
    legend.appendChild(dot);
  }

  function countOf(code) { return (page.last && page.last.countries[code]) || 0; }
  function describe(code) {
    var name = page.names[code] || code, n = countOf(code);
    var shown = page.last ? page.last.articles.filter(function (a) { return a.countries.indexOf(code) >= 0; }).length : 0;
    byId("hover").textContent = name + " (" + code + "): " + plural(n, "article") + " in the window, " +
      shown + " of them among the latest listed";
  }
  function toggleFilter(code) {
    page.filter = page.filter === code ? null : code;
    Object.keys(page.shapes).forEach(function (c) {
      page.shapes[c].forEach(function (shape) { shape.classList.toggle("selected", c === page.filter); });
    });
    page.rows = "";
    if (page.last) renderArticles(page.last);
  }

  function renderCountries(state) {
    Object.keys(page.shapes).forEach(function (code) {
      var n = state.countries[code] || 0;
      page.shapes[code].forEach(function (shape) {
        if (shape.getAttribute("data-count") === String(n)) return;
        shape.setAttribute("data-count", String(n));
        shape.setAttribute("fill", fillOf(n));
        shape.firstChild.textContent = (page.names[code] || code) + " (" + code + "): " + plural(n, "article");
      });
    });
  }

  function renderPlaces(state) {
    var seen = {};
    state.places.forEach(function (place) {
      var xy = projection([place.lon, place.lat]);
      if (!xy) return;
      seen[place.geonameid] = true;
      var dot = page.dots[place.geonameid];
      if (!dot) {
        dot = svg("circle", { "data-geonameid": place.geonameid, cx: xy[0].toFixed(1), cy: xy[1].toFixed(1) });
        dot.appendChild(svg("title"));
        dotLayer.appendChild(dot);
        page.dots[place.geonameid] = dot;
      }
      dot.setAttribute("r", (2.5 + 2 * Math.sqrt(place.count)).toFixed(1));
      dot.setAttribute("data-count", String(place.count));
      dot.firstChild.textContent = place.name + " (" + place.country + "): " + plural(place.count, "article");
    });
    Object.keys(page.dots).forEach(function (id) {
      if (!seen[id]) { page.dots[id].remove(); delete page.dots[id]; }
    });
  }

  function articleRow(article) {
    var item = html("li"), button = html("button");
    item.setAttribute("data-article-id", article.id);
    if (article.id === page.selected) item.classList.add("selected");
    button.type = "button";
    button.appendChild(html("span", "title", article.title || "(no title)"));
    var meta = [article.source, article.time.replace("T", " ").replace(/\.\d+/, "")].filter(Boolean).join(" · ");
    var codes = article.countries.slice(0, 6).join(" ");
    var who = article.entities.map(function (e) { return e.text; }).join(", ");
    button.appendChild(html("span", "row-meta", [meta, codes, who].filter(Boolean).join(" — ")));
    button.addEventListener("click", function () { openArticle(article.id); });
    item.appendChild(button);
    return item;
  }

  function renderArticles(state) {
    var rows = state.articles.filter(function (a) { return !page.filter || a.countries.indexOf(page.filter) >= 0; });
    var key = rows.map(function (a) { return a.id; }).join("\n") + "|" + page.selected;
    var note = byId("filter");
    note.hidden = !page.filter;
    if (page.filter) byId("filter-text").textContent = "Articles mentioning " + (page.names[page.filter] || page.filter) + ":";
    if (key === page.rows) return;  // unchanged: keep the DOM (and the focus) as it is
    page.rows = key;
    var list = byId("articles");
    list.replaceChildren.apply(list, rows.map(articleRow));
  }

  function topList(id, rows, label, onPick) {
    var list = byId(id);
    if (!rows.length) { list.replaceChildren(html("li", "meta", "none in this window yet")); return; }
    list.replaceChildren.apply(list, rows.map(function (row) {
      var item = html("li");
      if (onPick) {
        var button = html("button", "", label(row));
        button.type = "button";
        button.addEventListener("click", function () { onPick(row); });
        item.appendChild(button);
      } else {
        item.textContent = label(row);
      }
      return item;
    }));
  }

  function spark(id, values) {
    var line = byId(id), top = Math.max(1, Math.max.apply(null, values));
    var points = values.map(function (v, i) {
      return (i * 120 / Math.max(1, values.length - 1)).toFixed(1) + "," + (23 - v * 22 / top).toFixed(1);
    }).join(" ");
    line.replaceChildren(svg("polyline", { points: points }));
  }

  function renderFigures(state) {
    var f = state.figures, recent = f.enriched_per_second.slice(-10);
    byId("rate").textContent = (recent.reduce(function (a, b) { return a + b; }, 0) / recent.length).toFixed(1);
    byId("enriched").textContent = String(f.enriched_total);
    byId("dead").textContent = String(f.dead_total);
    byId("lag").textContent = f.lag === null ? "n/a" : String(Math.round(f.lag));
    spark("rate-line", f.enriched_per_second);
    spark("dead-line", f.dead_per_second);
    var w = state.window;
    byId("window").textContent = "window " + w.start.slice(11, 16) + "–" + w.end.slice(11, 16) + " UTC: " +
      plural(w.articles, "article");
  }

  function render(state) {
    page.last = state;
    renderCountries(state);
    renderPlaces(state);
    renderArticles(state);
    renderFigures(state);
    topList("top-countries", state.top_countries, function (row) {
      return (row.label || page.names[row.key] || row.key) + " (" + row.key + "): " + row.count;
    }, function (row) { toggleFilter(row.key); });
    topList("top-entities", state.top_entities, function (row) {
      return row.key + " (" + row.label + "): " + row.count;
    });
  }

  // At most one render per frame: a burst of states draws only the latest (a slow tab skips, never queues).
  function schedule(state) {
    var idle = page.pending === null;
    page.pending = state;
    if (idle) requestAnimationFrame(function () { var s = page.pending; page.pending = null; render(s); });
  }

  function openArticle(id) {
    page.selected = id;
    page.rows = "";
    if (page.last) renderArticles(page.last);
    fetch("/article?id=" + encodeURIComponent(id)).then(function (answer) {
      return answer.ok ? answer.json() : null;
    }).then(function (article) {
      var detail = byId("detail");
      if (!article) { detail.replaceChildren(html("p", "meta", "That article is no longer among the latest.")); return; }
      var text = html("p", "text");
      article.segments.forEach(function (piece) {
        if (!piece.labels) { text.appendChild(document.createTextNode(piece.text)); return; }
        var mark = html("mark", piece.labels.join(" "), piece.text);
        mark.title = piece.labels.join(", ");
        if (piece.geonameid !== undefined) mark.setAttribute("data-geonameid", String(piece.geonameid));
        text.appendChild(mark);
      });
      var meta = [article.source, article.time, article.countries.join(" ")].filter(Boolean).join(" · ");
      detail.replaceChildren(html("h2", "", article.title || "(no title)"), html("p", "meta", meta), text);
      detail.setAttribute("data-article-id", article.id);
    }).catch(function () { byId("detail").replaceChildren(html("p", "meta", "Could not load the article.")); });
  }

  function connect() {
    var source = new EventSource("/events"), status = byId("connection");
    source.addEventListener("open", function () { status.textContent = "live"; });
    source.addEventListener("error", function () { status.textContent = "reconnecting…"; });
    source.addEventListener("state", function (event) { schedule(JSON.parse(event.data)); });
  }

  function start() {
    byId("filter-clear").addEventListener("click", function () { toggleFilter(page.filter); });
    drawLegend();
    fetch("/map.json").then(function (answer) { return answer.json(); }).then(function (topology) {
      drawMap(topology);
      return fetch("/state").then(function (answer) { return answer.json(); });
    }).then(function (state) { render(state); connect(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
