/* Review comments on the round preview: select words in the article to quote them in the
   comment form, and see each comment's words marked in the text. The page works without this
   file (each passage has a "Comment" link and the form takes a typed quote). Nothing from the
   page is written as HTML: only text nodes and elements made here. */
(function () {
  "use strict";

  var SKIP = "sup.cite, .comment-here, .visually-hidden";

  function normalise(text) {
    return text.replace(/\s+/g, " ").trim();
  }

  function selectedQuote(body) {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) {
      return "";
    }
    var range = selection.getRangeAt(0);
    if (!body.contains(range.commonAncestorContainer)) {
      return "";
    }
    var fragment = range.cloneContents();
    fragment.querySelectorAll(SKIP).forEach(function (node) {
      node.remove();
    });
    // Blocks end in a line break in the HTML; keep words of adjacent blocks apart anyway.
    fragment.querySelectorAll("p, li, h2, h3, h4").forEach(function (node) {
      node.appendChild(document.createTextNode(" "));
    });
    return normalise(fragment.textContent);
  }

  function setUpSelection(body, form) {
    var quote = document.getElementById("comment-quote");
    var status = document.createElement("p");
    status.className = "comment-status";
    status.setAttribute("aria-live", "polite");
    quote.parentNode.appendChild(status);
    var timer = null;
    document.addEventListener("selectionchange", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var text = selectedQuote(body);
        if (!text) {
          return;
        }
        quote.value = text;
        form.classList.add("has-selection");
        status.textContent = "Quoting your selection: " + text.length + " characters.";
      }, 150);
    });
  }

  function setUpKind(form) {
    var kind = document.getElementById("comment-kind");
    var replacement = form.querySelector(".comment-replacement");
    if (!kind || !replacement) {
      return;
    }
    function show() {
      replacement.hidden = kind.value !== "suggestion";
    }
    kind.addEventListener("change", show);
    show();
  }

  // Text nodes of a passage that readers see as words (not citation numbers or our links),
  // each with where it starts in the passage's normalised text.
  function textMap(passage) {
    var walker = document.createTreeWalker(passage, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        return node.parentElement.closest(SKIP) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      },
    });
    var text = "";
    var pieces = [];
    var lastSpace = true;
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var value = node.nodeValue;
      for (var index = 0; index < value.length; index += 1) {
        var space = /\s/.test(value[index]);
        if (space && lastSpace) {
          continue;
        }
        pieces.push({ node: node, offset: index });
        text += space ? " " : value[index];
        lastSpace = space;
      }
    }
    return { text: text, pieces: pieces };
  }

  function mark(passage, quote, thread) {
    var map = textMap(passage);
    var start = map.text.indexOf(quote);
    if (start < 0) {
      return false;
    }
    var end = start + quote.length - 1;
    // Wrap each text node's share of the quote, last first so earlier offsets stay valid.
    var spans = [];
    for (var index = start; index <= end; index += 1) {
      var piece = map.pieces[index];
      var last = spans[spans.length - 1];
      if (last && last.node === piece.node) {
        last.to = piece.offset + 1;
      } else {
        spans.push({ node: piece.node, from: piece.offset, to: piece.offset + 1 });
      }
    }
    spans.reverse().forEach(function (span) {
      var range = document.createRange();
      range.setStart(span.node, span.from);
      range.setEnd(span.node, span.to);
      var highlight = document.createElement("mark");
      highlight.className = "comment-mark comment-mark-" + thread.dataset.state;
      highlight.dataset.comment = thread.id;
      highlight.title = "Comment: see the column beside the text";
      range.surroundContents(highlight);
      highlight.addEventListener("click", function () {
        thread.scrollIntoView({ block: "nearest" });
        thread.classList.add("comment-focus");
        window.setTimeout(function () {
          thread.classList.remove("comment-focus");
        }, 1500);
      });
    });
    return true;
  }

  function markComments(body) {
    var passages = body.querySelectorAll("[data-passage]");
    document.querySelectorAll("#comment-column .comment-thread[data-quote]").forEach(function (thread) {
      if (thread.dataset.state === "outdated") {
        return;
      }
      var quote = normalise(thread.dataset.quote);
      for (var index = 0; index < passages.length; index += 1) {
        if (mark(passages[index], quote, thread)) {
          thread.classList.add("comment-anchored");
          return;
        }
      }
    });
  }

  function init() {
    var text = document.getElementById("review-text");
    var body = text && text.querySelector(".article-body");
    if (!body) {
      return;
    }
    document.body.classList.add("comments-js");
    markComments(body);
    var form = document.getElementById("comment-form");
    if (form) {
      setUpSelection(body, form);
      setUpKind(form);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
