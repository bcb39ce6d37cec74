/* Casebook's one script: small conveniences on top of pages that work without it. */
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 820px)");

  // Sorting applies as soon as it is chosen; without this script a button applies it.
  document.querySelectorAll("form.sort select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // The element the address names gets focus: the facet value just used (or, when that value
  // is gone from the new page, its group, then the heading), or the sort control just changed.
  function target() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) { return null; }
    var found = document.getElementById(id);
    if (!found && id.indexOf("f-") === 0) {
      found = document.getElementById(id.split("-").slice(0, 2).join("-")) || document.getElementById("search-title");
    }
    return found;
  }

  // Filters: a sidebar on wide screens; on phones a panel above the results, closed unless
  // a filter was just used in it.
  var panel = document.querySelector("details.filter-panel");
  var focused = target();
  if (panel && narrow.matches && !(focused && panel.contains(focused))) { panel.open = false; }
  narrow.addEventListener("change", function () { if (panel && !narrow.matches) { panel.open = true; } });

  if (focused) {
    for (var up = focused.parentElement; up; up = up.parentElement) {
      if (up.tagName === "DETAILS") { up.open = true; }
    }
    if (focused.tabIndex < 0 && !focused.hasAttribute("tabindex")) { focused.setAttribute("tabindex", "-1"); }
    focused.focus();
  }
})();
