// repost preview: builds the cards from the JSON block, a chunk of posts at a time.
// Every text from a manifest goes in through textContent or setAttribute, never as HTML.
(function () {
  "use strict";
  var CHUNK = 12; // posts built per step: a backlog of 1,000 stays quick to open and to filter
  var STATUS_LABEL = { valid: "Valid", warnings: "Warnings", failed: "Failed" };
  var DATA = JSON.parse(document.getElementById("repost-data").textContent);
  var list = document.getElementById("posts");
  var loader = document.getElementById("loader");
  var loadButton = document.getElementById("load-more");
  var summary = document.getElementById("summary");
  var fPlatform = document.getElementById("filter-platform");
  var fStatus = document.getElementById("filter-status");
  var fSearch = document.getElementById("filter-search");
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var matches = [];
  var shown = 0;
  var uid = 0;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    var key;
    for (key in attrs || {}) {
      if (attrs[key] === null || attrs[key] === undefined || attrs[key] === false) continue;
      if (key === "text") node.textContent = attrs[key];
      else if (key === "hidden") node.hidden = true;
      else node.setAttribute(key, attrs[key] === true ? "" : String(attrs[key]));
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function fmt(n) {
    return typeof n === "number" ? n.toLocaleString("en-US") : "";
  }

  // --- one card ------------------------------------------------------------------------------

  function videoMedia(card) {
    var v = card.video;
    var label = v.alt || "Video of " + (card.title || card.post) + " (the post gives no alt text)";
    return el("video", {
      controls: true, preload: "none", playsinline: true, src: v.src,
      poster: card.poster ? card.poster.src : null, "aria-label": label,
      title: v.alt || null,
    });
  }

  function carousel(card) {
    var imgs = card.images;
    var track = el("div", {
      class: "track", tabindex: "0", role: "group",
      "aria-label": "Photos, 1 of " + imgs.length + "; left and right arrow keys move between them",
    });
    var dots = el("div", { class: "dots", "aria-hidden": "true" });
    imgs.forEach(function (img, i) {
      track.appendChild(el("figure", { class: "slide", "aria-roledescription": "slide", "aria-label": (i + 1) + " of " + imgs.length },
        el("img", { src: img.src, alt: img.alt || "Photo " + (i + 1) + " (the post gives no alt text)", loading: "lazy", decoding: "async", width: img.width, height: img.height })));
      dots.appendChild(el("span", { class: i === 0 ? "on" : null }));
    });
    var counter = el("p", { class: "counter", "aria-hidden": "true", text: "1 / " + imgs.length });
    var prev = el("button", { type: "button", class: "nav prev", "aria-label": "Previous photo", disabled: true, text: "\u2039" });
    var next = el("button", { type: "button", class: "nav next", "aria-label": "Next photo", disabled: imgs.length < 2, text: "\u203A" });
    var box = el("div", { class: "carousel", "aria-roledescription": "carousel", "aria-label": "Photos (" + imgs.length + ")" },
      track, counter, prev, next);

    function index() {
      return Math.round(track.scrollLeft / Math.max(track.clientWidth, 1));
    }
    // While a smooth scroll runs toward ``goal``, scroll events report positions on the way;
    // the index follows the goal until it is reached (or the scroll ends elsewhere).
    var goal = null;
    function go(i) {
      i = Math.max(0, Math.min(imgs.length - 1, i));
      goal = i;
      track.scrollTo({ left: i * track.clientWidth, behavior: reduceMotion ? "auto" : "smooth" });
      update(i);
    }
    function update(i) {
      if (i === undefined) i = index();
      counter.textContent = (i + 1) + " / " + imgs.length;
      track.setAttribute("aria-label", "Photos, " + (i + 1) + " of " + imgs.length + "; left and right arrow keys move between them");
      track.dataset.index = String(i);
      prev.disabled = i === 0;
      next.disabled = i === imgs.length - 1;
      Array.prototype.forEach.call(dots.children, function (d, k) { d.className = k === i ? "on" : ""; });
    }
    var pending = false;
    track.addEventListener("scroll", function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () {
        pending = false;
        if (goal !== null) {
          if (Math.abs(track.scrollLeft - goal * track.clientWidth) > 2) return;
          goal = null;
        }
        update();
      });
    });
    track.addEventListener("scrollend", function () { goal = null; update(); });
    track.addEventListener("keydown", function (e) {
      var at = Number(track.dataset.index || 0);
      var to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: imgs.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      go(to);
    });
    prev.addEventListener("click", function () { go(Number(track.dataset.index || 0) - 1); });
    next.addEventListener("click", function () { go(Number(track.dataset.index || 0) + 1); });
    track.dataset.index = "0";
    return [box, dots];
  }

  // Caption text with its #tags coloured as the apps show them (text nodes only, never markup).
  function tagged(cls, text, hidden) {
    var span = el("span", { class: cls, hidden: hidden });
    text.split(/(#[\p{L}\p{M}\p{N}_]+)/u).forEach(function (part, i) {
      if (part) span.appendChild(i % 2 ? el("span", { class: "tag", text: part }) : document.createTextNode(part));
    });
    return span;
  }

  function caption(card) {
    var c = card.caption;
    var p = el("p", { class: "caption", dir: "auto", "data-fold": c.fold === null ? "none" : c.fold },
      tagged("caption-visible", c.visible));
    if (!c.rest) return p;
    var rest = tagged("caption-rest", c.rest, true);
    var dots = el("span", { class: "ellipsis", text: "\u2026" });
    var more = el("button", { type: "button", class: "more", "aria-expanded": "false", text: "more" });
    more.addEventListener("click", function () {
      var open = more.getAttribute("aria-expanded") !== "true";
      rest.hidden = !open;
      dots.hidden = open;
      more.setAttribute("aria-expanded", String(open));
      more.textContent = open ? "less" : "more";
    });
    p.appendChild(rest);
    p.appendChild(dots);
    p.appendChild(document.createTextNode(" "));
    p.appendChild(more);
    return p;
  }

  function listSection(title, items, cls, itemClass) {
    if (!items.length) return null;
    var ul = el("ul", { class: cls });
    items.forEach(function (it) {
      ul.appendChild(typeof it === "string" ? el("li", { text: it }) : el("li", { class: itemClass(it), text: it.severity + ": " + it.message }));
    });
    return el("section", null, el("h4", { text: title + " (" + items.length + ")" }), ul);
  }

  function countsTable(card) {
    if (!card.counts.length) return null;
    var body = el("tbody");
    card.counts.forEach(function (c) {
      var limit = c.limit === null ? "no limit" : fmt(c.limit);
      body.appendChild(el("tr", { class: c.over ? "over" : null, "data-field": c.field },
        el("th", { scope: "row", text: c.field }),
        el("td", { class: "num", text: fmt(c.count) + " / " + limit }),
        el("td", { text: c.unit + (c.over ? " (over)" : "") })));
    });
    return el("table", { class: "counts" },
      el("caption", { class: "skip", text: "Counts and limits" }),
      el("thead", null, el("tr", null, el("th", { scope: "col", text: "Field" }), el("th", { scope: "col", text: "Count / limit" }), el("th", { scope: "col", text: "Unit" }))),
      body);
  }

  // Where the window sits at time t: the keys' straight-line interpolation, as the crop
  // expression does (plan/camera.py); a cut is two keys at one time, the later one wins.
  function windowAt(keys, t) {
    if (t <= keys[0][0]) return keys[0][1];
    for (var i = keys.length - 1; i > 0; i--) {
      var a = keys[i - 1], b = keys[i];
      if (t >= a[0] && t <= b[0]) {
        if (t === b[0] || b[0] === a[0]) return b[1];
        return a[1] + (b[1] - a[1]) * (t - a[0]) / (b[0] - a[0]);
      }
    }
    return keys[keys.length - 1][1];
  }

  // The smart crop window over the source, moving with the bundle's video as it plays.
  function smartView(card, video) {
    var s = card.smart;
    var src = s.source, win = s.window;
    var frame = el("div", { class: "smart-frame", style: "aspect-ratio: " + src.width + " / " + src.height, role: "img",
      "aria-label": "The " + win.width + "x" + win.height + " crop window over the " + src.width + "x" + src.height + " source" },
      src.still ? el("img", { src: src.still, alt: "" }) : null);
    var box = el("div", { class: "smart-window" });
    frame.appendChild(box);
    function place(t) {
      var at = windowAt(s.keys, t);
      var x = s.axis === "x" ? at : (src.width - win.width) / 2;
      var y = s.axis === "y" ? at : (src.height - win.height) / 2;
      box.style.left = (100 * x / src.width) + "%";
      box.style.top = (100 * y / src.height) + "%";
      box.style.width = (100 * win.width / src.width) + "%";
      box.style.height = (100 * win.height / src.height) + "%";
      box.dataset.t = String(t);
    }
    place(0);
    if (video) {
      ["timeupdate", "seeked"].forEach(function (ev) { video.addEventListener(ev, function () { place(video.currentTime); }); });
    }
    var shots = s.shots.map(function (sh) { return sh.motion + " (" + sh.by + ")"; }).join(", ");
    return el("section", { class: "smart" }, el("h4", { text: "Smart crop (fit smart)" }), frame,
      el("p", { class: "fold-note", text: "Window " + win.width + "\u00d7" + win.height + " of the " + src.width + "\u00d7" + src.height +
        " source; " + s.shots.length + " shot" + (s.shots.length === 1 ? "" : "s") + ": " + shots +
        (s.detector ? "; faces by " + s.detector : "") + ". It moves as the video plays." }),
      src.no_still ? el("p", { class: "fold-note smart-no-still", text: src.no_still }) : null);
  }

  function gridView(card) {
    if (!card.grid || !card.poster) return null;
    return el("section", { class: "grid" }, el("h4", { text: "Profile grid (" + card.grid.name + " crop)" }),
      el("div", { class: "grid-row" },
        el("div", { class: "grid-tile", style: "aspect-ratio: " + card.grid.aspect },
          el("img", { src: card.poster.src, alt: "The " + card.poster.from + " as " + card.platform_name + "'s profile grid shows it, cropped to " + card.grid.name, loading: "lazy" })),
        el("p", { class: "fold-note", text: card.platform_name + "'s profile grid crops every post to " + card.grid.name + " around the centre (since January 2025)." })));
  }

  function buildCard(card) {
    var id = "card-" + (++uid);
    var media = el("div", { class: "media", style: "aspect-ratio: " + card.aspect });
    var extra = null;
    var video = card.video ? videoMedia(card) : null;
    if (video) media.appendChild(video);
    else if (card.images.length) {
      var parts = carousel(card);
      media.appendChild(parts[0]);
      extra = parts[1];
    } else if (card.cover) media.appendChild(el("img", { src: card.cover.src, alt: card.cover.alt || "", loading: "lazy" }));
    if (card.watermark.length) {
      media.appendChild(el("p", { class: "wm-flag", title: card.watermark.join("\n"), text: "\u26a0 Another platform's watermark" }));
    }
    var tags = null;
    if (card.hashtags.length) {
      tags = el("ul", { class: "tags" });
      card.hashtags.forEach(function (t) { tags.appendChild(el("li", { text: "#" + t })); });
      tags = el("section", null, el("h4", { text: "Hashtags (hashtags.txt)" }), tags);
    }
    var screen = el("div", { class: "screen" }, media, extra,
      el("div", { class: "texts" }, card.title ? el("p", { class: "post-title", dir: "auto", text: card.title }) : null, caption(card)));
    var machine = card.machine ? el("p", { class: "machine-note", text: card.machine }) : null;
    var foldNote = card.caption.fold === null
      ? el("p", { class: "fold-note", text: card.platform_name + "'s profile names no caption fold: the whole caption is shown." })
      : el("p", { class: "fold-note", text: "Folded after " + fmt(card.caption.fold) + " " + card.caption.unit + ", as " + card.platform_name + " shows it." });
    var findings = card.findings.length
      ? listSection("Validation", card.findings, "findings", function (f) { return f.severity; })
      : el("section", null, el("h4", { text: "Validation" }), el("p", { class: "valid-note", text: "No problems found." }));
    var cover = card.cover && card.video
      ? el("div", { class: "cover-thumb" }, el("img", { src: card.cover.src, loading: "lazy", alt: "Cover image for " + card.platform_name }), el("span", { text: "cover.jpg" }))
      : null;
    var files = card.video ? [card.video] : card.images;
    var alts = files.length ? listSection("Alt text", files.map(function (m) {
      return m.name + ": " + (m.alt || "none given in the post");
    }), "alts") : null;
    return el("section", {
      class: "card", id: id, "aria-labelledby": id + "-h", "data-platform": card.platform,
      "data-status": card.status, "data-path": card.path, "data-poster": card.poster ? card.poster.from : null,
    },
    el("div", { class: "card-head" },
      el("h3", { id: id + "-h", text: card.platform_name }),
      el("span", { class: "badge " + card.status, text: STATUS_LABEL[card.status] || card.status })),
    el("div", { class: "phone" }, screen),
    el("div", { class: "checks" }, machine, foldNote, countsTable(card), tags, cover, gridView(card),
      card.smart ? smartView(card, video) : null, alts,
      listSection("Warnings", card.warnings, "warnings"),
      listSection("Changes", card.changes, "changes"),
      findings));
  }

  function buildPost(match) {
    var post = match.post;
    var id = "post-" + (++uid);
    var cards = el("div", { class: "cards" });
    match.cards.forEach(function (c) { cards.appendChild(buildCard(c)); });
    return el("article", { class: "post", "aria-labelledby": id, "data-post": post.id },
      el("h2", { id: id }, post.title || post.id, post.title ? el("span", { class: "post-id", text: post.id }) : null),
      cards);
  }

  // --- filtering and lazy building --------------------------------------------------------------

  function haystack(post) {
    if (post._hay === undefined) {
      var parts = [post.id, post.title];
      post.cards.forEach(function (c) {
        parts.push(c.title, c.caption.visible + c.caption.rest, c.hashtags.map(function (t) { return "#" + t; }).join(" "));
      });
      post._hay = parts.join("\n").toLocaleLowerCase();
    }
    return post._hay;
  }

  function apply() {
    var platform = fPlatform.value;
    var status = fStatus.value;
    var q = fSearch.value.trim().toLocaleLowerCase();
    var cards = 0;
    matches = [];
    DATA.posts.forEach(function (post) {
      if (q && haystack(post).indexOf(q) < 0) return;
      var chosen = post.cards.filter(function (c) {
        return (!platform || c.platform === platform) && (!status || c.status === status);
      });
      if (chosen.length) {
        matches.push({ post: post, cards: chosen });
        cards += chosen.length;
      }
    });
    list.textContent = "";
    shown = 0;
    var total = DATA.posts.reduce(function (n, p) { return n + p.cards.length; }, 0);
    summary.textContent = "Showing " + fmt(cards) + " of " + fmt(total) + " bundles in " + fmt(matches.length) + " of " + fmt(DATA.posts.length) + " posts.";
    if (!matches.length) list.appendChild(el("p", { class: "empty", text: "No bundle matches these filters." }));
    more();
    requestAnimationFrame(fill);
    saveHash(platform, status, q);
  }

  function more() {
    var frag = document.createDocumentFragment();
    var end = Math.min(shown + CHUNK, matches.length);
    for (; shown < end; shown++) frag.appendChild(buildPost(matches[shown]));
    list.appendChild(frag);
    loadButton.hidden = shown >= matches.length;
  }

  // Build chunks while the end of the list is near the screen (IntersectionObserver only reports
  // changes, so a chunk too short to push the end away is followed by another here).
  function fill() {
    if (shown < matches.length && loader.getBoundingClientRect().top < window.innerHeight + 800) {
      more();
      requestAnimationFrame(fill);
    }
  }

  // Filters live in the address (#platform=tiktok&status=failed&q=cat), so a view can be bookmarked.
  function saveHash(platform, status, q) {
    var parts = [];
    if (platform) parts.push("platform=" + encodeURIComponent(platform));
    if (status) parts.push("status=" + encodeURIComponent(status));
    if (q) parts.push("q=" + encodeURIComponent(q));
    try { history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname); } catch (e) { /* file:// may refuse */ }
  }

  function readHash() {
    var state = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) {
        try { state[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1)); } catch (e) { /* ignore a bad hash */ }
      }
    });
    return state;
  }

  function init() {
    var platforms = {};
    var statusCount = { valid: 0, warnings: 0, failed: 0 };
    DATA.posts.forEach(function (p) {
      p.cards.forEach(function (c) {
        platforms[c.platform] = c.platform_name;
        statusCount[c.status] = (statusCount[c.status] || 0) + 1;
      });
    });
    Object.keys(platforms).sort().forEach(function (id) {
      fPlatform.appendChild(el("option", { value: id, text: platforms[id] }));
    });
    Array.prototype.forEach.call(fStatus.options, function (o) {
      if (o.value) o.textContent = STATUS_LABEL[o.value] + " (" + fmt(statusCount[o.value] || 0) + ")";
    });
    var state = readHash();
    if (state.platform && platforms[state.platform]) fPlatform.value = state.platform;
    if (state.status && STATUS_LABEL[state.status]) fStatus.value = state.status;
    if (state.q) fSearch.value = state.q;
    var timer = null;
    fPlatform.addEventListener("change", apply);
    fStatus.addEventListener("change", apply);
    fSearch.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(apply, 150);
    });
    loadButton.addEventListener("click", more);
    document.addEventListener("keydown", function (e) {
      // "/" jumps to the search box, as on many sites; not while typing in a field.
      if (e.key === "/" && !/^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName)) {
        e.preventDefault();
        fSearch.focus();
      }
    });
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        if (entries.some(function (en) { return en.isIntersecting; })) fill();
      }, { rootMargin: "800px 0px" }).observe(loader);
    }
    apply();
  }

  init();
})();
