// ssooidc portal: copy buttons and the live account filter. Progressive
// enhancement only: every page works, and all its text can be read and
// selected, without this script.
(function () {
  "use strict";

  // Copy buttons: one per element marked data-copy, placed before it.
  function copyText(el, button, status) {
    var text = el.textContent;
    function done(ok) {
      button.textContent = ok ? "Copied" : "Select and copy";
      status.textContent = ok ? "Copied to the clipboard." : "Copying is blocked here: the text is selected, press Ctrl+C or Cmd+C.";
      if (!ok) {
        var range = document.createRange();
        range.selectNodeContents(el);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      }
      window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
    } else {
      done(false);
    }
  }

  function addCopyButtons() {
    var status = document.getElementById("copy-status");
    var els = document.querySelectorAll("[data-copy]");
    for (var i = 0; i < els.length; i++) {
      (function (el) {
        var label = el.getAttribute("data-copy");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "copy secondary";
        button.textContent = "Copy";
        button.setAttribute("aria-label", "Copy " + label);
        button.addEventListener("click", function () { copyText(el, button, status); });
        var slot = document.getElementById(el.id + "-copy");
        (slot || el.parentNode).appendChild(button);
      })(els[i]);
    }
  }

  // The account filter: the same match as the server's (every word, in
  // any case), as the person types.
  function liveFilter() {
    var input = document.querySelector("input[data-filter]");
    var list = document.getElementById("accounts");
    var status = document.getElementById("filter-status");
    if (!input || !list) {
      return;
    }
    var items = list.querySelectorAll("li[data-search]");
    var total = items.length;
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      for (var i = 0; i < items.length; i++) {
        var hay = items[i].getAttribute("data-search");
        var ok = words.every(function (w) { return hay.indexOf(w) >= 0; });
        items[i].hidden = !ok;
        if (ok) {
          shown++;
        }
        var details = items[i].querySelector("details");
        if (details && words.length > 0 && ok) {
          details.open = true;
        }
      }
      if (status) {
        var of = status.getAttribute("data-total") || total;
        status.textContent = shown === 1 ? "1 account shown of " + of : shown + " accounts shown of " + of;
      }
    }
    input.addEventListener("input", apply);
  }

  function ready() {
    addCopyButtons();
    liveFilter();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
