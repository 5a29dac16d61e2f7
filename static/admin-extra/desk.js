/* The editor's desk on the article change page (templates/admin/articles/article/change_form.html):
   - line numbers and a gutter of annotations beside the body;
   - the live preview, re-rendered by the server (a POST that stores nothing) while the editor
     types, for the audience of the chosen tab;
   - the citation picker: search the library, insert at the cursor, merge with a neighbour.

   The gutter shows annotations, each {line, kind, message}, grouped by source: the writing
   checks are the "checks" source; other parts of the desk add theirs with
   VettedDesk.setAnnotations("comments", [...]). Everything from the server is written with
   textContent, except the preview, which is the server's sanitised rendering of the article. */
(function () {
  "use strict";

  var PREVIEW_DELAY_MS = 500;
  var sources = {};
  var redraw = function () {};

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function allAnnotations() {
    var all = [];
    Object.keys(sources).forEach(function (name) {
      sources[name].forEach(function (annotation) {
        all.push(annotation);
      });
    });
    all.sort(function (a, b) {
      return a.line - b.line;
    });
    return all;
  }

  /* Line numbers and markers. A mirror of the textarea, with the same width and font, holds
     one block per source line, so wrapped lines get their number at the first visual row. */
  function setUpGutter(body, gutter) {
    var inner = gutter.querySelector(".desk-gutter-inner");
    var mirror = element("div", "desk-mirror");
    mirror.setAttribute("aria-hidden", "true");
    body.parentNode.appendChild(mirror);
    var scheduled = false;

    function copyBox() {
      var style = window.getComputedStyle(body);
      ["fontFamily", "fontSize", "lineHeight", "paddingLeft", "paddingRight", "letterSpacing",
        "tabSize", "borderLeftWidth", "borderRightWidth", "boxSizing"].forEach(function (name) {
        mirror.style[name] = style[name];
      });
      mirror.style.width = body.clientWidth + "px";
    }

    function draw() {
      scheduled = false;
      copyBox();
      var lines = body.value.split("\n");
      mirror.replaceChildren();
      lines.forEach(function (line) {
        mirror.appendChild(element("div", "desk-mirror-line", line || "\u200b"));
      });
      var rows = mirror.children;
      var paddingTop = parseFloat(window.getComputedStyle(body).paddingTop) || 0;
      var byLine = {};
      allAnnotations().forEach(function (annotation) {
        var line = Math.max(1, Math.min(annotation.line || 1, lines.length));
        (byLine[line] = byLine[line] || []).push(annotation);
      });
      inner.replaceChildren();
      for (var index = 0; index < rows.length; index++) {
        var number = element("div", "desk-line-number", String(index + 1));
        number.style.top = paddingTop + rows[index].offsetTop + "px";
        var marks = byLine[index + 1];
        if (marks) {
          var kinds = marks.map(function (mark) { return mark.kind || "note"; });
          var kind = kinds.indexOf("error") >= 0 ? "error" : kinds[0];
          number.classList.add("desk-marked", "desk-marked-" + kind);
          number.title = marks.map(function (mark) { return mark.message; }).join("\n");
        }
        inner.appendChild(number);
      }
      inner.style.height = body.scrollHeight + "px";
      sync();
    }

    function sync() {
      inner.style.transform = "translateY(" + -body.scrollTop + "px)";
    }

    redraw = function () {
      if (!scheduled) {
        scheduled = true;
        window.requestAnimationFrame(draw);
      }
    };
    body.addEventListener("input", redraw);
    body.addEventListener("scroll", sync);
    window.addEventListener("resize", redraw);
    if (window.ResizeObserver) {
      new ResizeObserver(redraw).observe(body);
    }
    draw();
  }

  /* The annotation list under the source: every annotation, a button that selects its line. */
  function drawList(body) {
    var list = document.getElementById("desk-annotation-list");
    if (!list) {
      return;
    }
    list.replaceChildren();
    var all = allAnnotations();
    all.forEach(function (annotation) {
      var item = element("li", "desk-annotation desk-annotation-" + (annotation.kind || "note"));
      var jump = element("button", "desk-jump",
        annotation.line ? "Line " + annotation.line : "Form");
      jump.type = "button";
      jump.addEventListener("click", function () {
        selectLine(body, annotation.line);
      });
      item.appendChild(jump);
      item.appendChild(document.createTextNode(" " + annotation.message));
      if (annotation.fix) {
        item.appendChild(document.createTextNode(" "));
        item.appendChild(element("em", "", "Fix: " + annotation.fix));
      }
      list.appendChild(item);
    });
    if (!all.length) {
      list.appendChild(element("li", "writing-none", "Nothing to fix."));
    }
  }

  function selectLine(body, line) {
    if (!line) {
      return;
    }
    var lines = body.value.split("\n");
    var start = 0;
    for (var index = 0; index < line - 1 && index < lines.length; index++) {
      start += lines[index].length + 1;
    }
    var end = start + (lines[line - 1] || "").length;
    body.focus();
    body.setSelectionRange(start, end);
  }

  /* The live preview. */
  function setUpPreview(desk, form, body) {
    var url = desk.getAttribute("data-preview-url");
    var frame = document.getElementById("desk-preview-frame");
    var status = document.getElementById("desk-preview-status");
    var tabs = Array.prototype.slice.call(desk.querySelectorAll(".desk-tab"));
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!url || !frame || !token || !window.fetch) {
      return;
    }
    var audience = (tabs.filter(function (tab) {
      return tab.getAttribute("aria-selected") === "true";
    })[0] || tabs[0] || { getAttribute: function () { return ""; } }).getAttribute("data-audience");
    var timer = null;
    var sent = 0;

    function refresh() {
      var request = ++sent;
      var data = new FormData();
      ["title", "summary", "body", "evidence_note"].forEach(function (name) {
        var field = form.elements[name];
        if (field) {
          data.append(name, field.value);
        }
      });
      data.append("audience", audience);
      status.textContent = "Updating the preview…";
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.value },
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          if (request === sent) {
            // The server's rendering, sanitised by the pipeline every published page uses.
            frame.innerHTML = html;
            frame.dispatchEvent(new Event("vetted:rendered"));
            status.textContent = "The text as typed (not saved yet).";
          }
        })
        .catch(function () {
          if (request === sent) {
            status.textContent = "Could not update the preview; it updates when you save.";
          }
        });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, PREVIEW_DELAY_MS);
    }

    // The preview keeps its place in step with the source: the same share of the way down.
    function follow() {
      var range = body.scrollHeight - body.clientHeight;
      var share = range > 0 ? body.scrollTop / range : 0;
      frame.scrollTop = share * (frame.scrollHeight - frame.clientHeight);
    }
    body.addEventListener("scroll", follow);
    frame.addEventListener("vetted:rendered", follow);

    form.addEventListener("input", function (event) {
      if (event.target && ["title", "summary", "body", "evidence_note"].indexOf(event.target.name) >= 0) {
        later();
      }
    });

    function choose(tab) {
      tabs.forEach(function (other) {
        var chosen = other === tab;
        other.setAttribute("aria-selected", chosen ? "true" : "false");
        other.tabIndex = chosen ? 0 : -1;
      });
      frame.setAttribute("aria-labelledby", tab.id);
      audience = tab.getAttribute("data-audience");
      window.clearTimeout(timer);
      refresh();
    }

    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () {
        choose(tab);
      });
      tab.addEventListener("keydown", function (event) {
        var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
        if (step) {
          var next = tabs[(index + step + tabs.length) % tabs.length];
          next.focus();
          choose(next);
          event.preventDefault();
        }
      });
    });
  }

  /* Citing: [@key] at the cursor, or joined to a citation that touches it. */
  var GROUP_BEFORE = /\[@[^\[\]\n]*\]?[ \t]*$/;
  var GROUP_AFTER = /^[ \t]*\[@[^\[\]\n]*\]/;

  function keysOf(group) {
    return group.replace(/^\[|\]$/g, "").split(";").map(function (part) {
      return part.trim().replace(/^@/, "");
    }).filter(Boolean);
  }

  function joined(group, key) {
    var keys = keysOf(group);
    if (keys.indexOf(key) < 0) {
      keys.push(key);
    }
    return "[" + keys.map(function (k) { return "@" + k; }).join("; ") + "]";
  }

  /* The text with a citation of `key` placed at [start, end): returns {text, caret}. */
  function cite(text, start, end, key) {
    var before = text.slice(0, start);
    var after = text.slice(end);
    var touching = before.match(GROUP_BEFORE);
    if (touching) {
      var from = touching.index;
      var close = text.indexOf("]", from);
      if (close >= 0 && text.slice(from, close).indexOf("\n") < 0) {
        var group = joined(text.slice(from, close + 1), key);
        return {
          text: text.slice(0, from) + group + text.slice(close + 1),
          caret: from + group.length,
        };
      }
    }
    var next = after.match(GROUP_AFTER);
    if (next) {
      var groupText = next[0].trim();
      var offset = end + next[0].indexOf("[");
      var merged = joined(groupText, key);
      return {
        text: text.slice(0, start) + text.slice(end, offset) + merged +
          text.slice(offset + groupText.length),
        caret: start + (offset - end) + merged.length,
      };
    }
    var space = start > 0 && !/[\s(\[]/.test(text.charAt(start - 1)) ? " " : "";
    var citation = space + "[@" + key + "]";
    return { text: before + citation + after, caret: start + citation.length };
  }

  function setUpPicker(body) {
    var search = document.getElementById("cite-search");
    var list = document.getElementById("reference-picker");
    var button = document.getElementById("insert-citation");
    if (!search || !list || !button) {
      return;
    }
    var options = Array.prototype.slice.call(list.options);
    var caret = { start: body.selectionStart, end: body.selectionEnd };
    var picker = document.getElementById("cite-picker");
    search.hidden = false;
    button.hidden = false;
    list.size = 6;
    if (picker) {
      picker.addEventListener("toggle", function () {
        if (picker.open) {
          search.focus();
        }
      });
    }

    // Choosing in the picker moves focus away; the citation goes where the cursor was.
    ["keyup", "mouseup", "select", "input"].forEach(function (name) {
      body.addEventListener(name, function () {
        caret = { start: body.selectionStart, end: body.selectionEnd };
      });
    });

    search.addEventListener("input", function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var first = null;
      options.forEach(function (option) {
        var haystack = option.getAttribute("data-search").toLowerCase();
        var shown = words.every(function (word) { return haystack.indexOf(word) >= 0; });
        option.hidden = !shown;
        option.disabled = !shown;
        if (shown && !first) {
          first = option;
        }
      });
      if (first) {
        list.value = first.value;
      }
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        insert();
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        list.focus();
      }
    });
    list.addEventListener("dblclick", insert);
    list.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        insert();
      }
    });
    button.addEventListener("click", insert);

    function insert() {
      var option = list.options[list.selectedIndex];
      if (!option || option.disabled) {
        return;
      }
      var result = cite(body.value, caret.start, caret.end, option.value);
      body.value = result.text;
      body.focus();
      body.setSelectionRange(result.caret, result.caret);
      caret = { start: result.caret, end: result.caret };
      if (picker) {
        picker.open = false;
      }
      // The preview, checks, gutter and unsaved-changes guard all listen for this.
      body.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function init() {
    var desk = document.getElementById("desk");
    var body = document.getElementById("id_body");
    var form = body && body.form;
    if (!desk || !body || !form) {
      return;
    }
    var gutter = document.getElementById("desk-gutter");
    if (gutter && gutter.getAttribute("data-annotations")) {
      try {
        sources.checks = JSON.parse(gutter.getAttribute("data-annotations")) || [];
      } catch (error) {
        sources.checks = [];
      }
    }
    if (gutter) {
      setUpGutter(body, gutter);
    }
    drawList(body);
    setUpPreview(desk, form, body);
    setUpPicker(body);
  }

  window.VettedDesk = {
    /* Show `annotations` ([{line, kind, message, fix?}]) as the gutter's `source` set. */
    setAnnotations: function (source, annotations) {
      sources[source] = (annotations || []).slice();
      redraw();
      drawList(document.getElementById("id_body"));
    },
    cite: cite,
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
