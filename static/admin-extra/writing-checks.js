/* Writing checks in the article admin: re-run the checks while the editor types, update the
   panel, and hand the problems to the desk's gutter (desk.js, as the "checks" annotations).
   The panel is complete without this file. Everything from the server is written with
   textContent. */
(function () {
  "use strict";

  var DELAY_MS = 800;

  function init() {
    var panel = document.getElementById("writing-checks");
    var body = document.getElementById("id_body");
    if (!panel || !body) {
      return;
    }
    setUpLiveChecks(panel, body);
  }

  function setUpLiveChecks(panel, body) {
    var url = panel.getAttribute("data-checks-url");
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var status = panel.querySelector(".writing-checks-status");
    if (!url || !token || !window.fetch) {
      return;
    }
    var timer = null;
    var sent = 0;
    body.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var request = ++sent;
        var data = new FormData();
        data.append("body", body.value);
        status.textContent = "Checking…";
        fetch(url, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "X-CSRFToken": token.value, Accept: "application/json" },
        })
          .then(function (response) {
            if (!response.ok) {
              throw new Error("HTTP " + response.status);
            }
            return response.json();
          })
          .then(function (checks) {
            if (request === sent) {
              show(panel, checks);
              status.textContent = "Checked the text as typed (not saved yet).";
            }
          })
          .catch(function () {
            if (request === sent) {
              status.textContent = "Could not check the text; the checks update when you save.";
            }
          });
      }, DELAY_MS);
    });
  }

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

  function show(panel, checks) {
    if (window.VettedDesk) {
      window.VettedDesk.setAnnotations("checks", checks.problems);
    }

    checks.audiences.forEach(function (audience) {
      var row = panel.querySelector('tr[data-audience="' + CSS.escape(audience.slug) + '"]');
      if (!row) {
        return;
      }
      row.classList.toggle("writing-flagged", audience.flagged);
      var grade = row.querySelector(".writing-grade");
      grade.textContent = audience.grade.toFixed(1);
      if (audience.flagged) {
        grade.appendChild(document.createTextNode(" "));
        grade.appendChild(
          element("strong", "writing-flag", "above grade " + Math.round(checks.max_grade))
        );
      }
      row.querySelector(".writing-words").textContent = String(audience.words);
    });

    var unused = panel.querySelector(".writing-checks-unused");
    unused.replaceChildren();
    checks.unused_references.forEach(function (reference) {
      var item = element("li");
      item.appendChild(element("code", "", "[@" + reference.key + "]"));
      item.appendChild(document.createTextNode(" " + reference.title));
      unused.appendChild(item);
    });
    var count = panel.querySelector(".writing-unused-count");
    count.textContent = checks.unused_count
      ? checks.unused_count + " reference(s) in the library cited by no article" +
        (checks.unused_count > checks.unused_references.length
          ? "; the first " + checks.unused_references.length + " are listed."
          : ".")
      : "Every reference in the library is cited.";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
