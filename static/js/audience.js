// Remembers which audience a reader chose, in this browser only (localStorage, never a cookie),
// and sends a returning reader from an article's bare address to the address of that audience.
// The address alone decides the page, so shared caches keep one copy per address; this script
// only chooses which address to open. Without it the picker still works: it is a plain form.
(function () {
  "use strict";
  var KEY = "vetted-audience";
  var script = document.currentScript;
  var audiences = (script && script.dataset.audiences || "").split(" ").filter(Boolean);
  var fallback = script && script.dataset.defaultAudience;

  function remembered() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (error) {
      return null; // storage switched off: nothing is remembered
    }
  }

  function remember(slug) {
    try {
      window.localStorage.setItem(KEY, slug);
    } catch (error) {
      // storage switched off or full: the choice lasts for this page only
    }
  }

  var params = new URLSearchParams(window.location.search);
  var chosen = remembered();
  if (!params.has("audience") && chosen && chosen !== fallback && audiences.indexOf(chosen) !== -1) {
    params.set("audience", chosen);
    window.location.replace(window.location.pathname + "?" + params.toString() + window.location.hash);
    return;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var picker = document.querySelector("form.audience-picker");
    if (!picker) {
      return;
    }
    picker.addEventListener("submit", function () {
      var checked = picker.querySelector("input[name=audience]:checked");
      if (checked) {
        remember(checked.value);
      }
    });
  });
})();
