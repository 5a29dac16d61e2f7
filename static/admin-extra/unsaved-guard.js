/* Warn before leaving the article change form with unsaved changes. Any edit marks the form
   dirty; submitting it (any button) clears the mark, so saving never triggers the warning. */
(function () {
  "use strict";

  function init() {
    var form = document.getElementById("article_form");
    if (!form) {
      return;
    }
    var note = document.getElementById("desk-dirty");
    var dirty = false;
    var initial = new Map();
    Array.prototype.forEach.call(form.elements, function (field) {
      initial.set(field, field.type === "checkbox" ? field.checked : field.value);
    });

    function changed() {
      return Array.prototype.some.call(form.elements, function (field) {
        if (!initial.has(field) || field.type === "hidden" || field.type === "search") {
          return false;
        }
        var now = field.type === "checkbox" ? field.checked : field.value;
        return now !== initial.get(field);
      });
    }

    function update() {
      dirty = changed();
      if (note) {
        note.textContent = dirty ? "Unsaved changes" : "";
      }
    }

    form.addEventListener("input", update);
    form.addEventListener("change", update);
    form.addEventListener("submit", function () {
      dirty = false;
      window.removeEventListener("beforeunload", warn);
    });

    function warn(event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    }
    window.addEventListener("beforeunload", warn);
    // A form shown again after a refused save holds typed text that is not saved yet.
    if (document.querySelector(".errornote")) {
      dirty = true;
      if (note) {
        note.textContent = "Not saved yet";
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
