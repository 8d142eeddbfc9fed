/* Load the search index when the reader first opens search, not with every page.
 *
 * Material downloads and parses the whole index (hundreds of KB) as soon as a page loads, on
 * the main thread, although most visits never search. Material fetches it with
 * XMLHttpRequest; this holds back the `send` of that one request until the search box gets
 * the focus or the search toggle opens (keyboard shortcuts focus the box too), or the address
 * carries a query (?q=). Material shows its "initializing" line meanwhile. It also gives the
 * search dialog the accessible name of its input, which Material leaves unnamed. */
(function () {
  var INDEX = /\/search\/search_index\.json$/, wanted = false, waiting = [];
  var open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.cloudnotesIndex = INDEX.test(String(url).split(/[?#]/)[0]);
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (this.cloudnotesIndex && !wanted) {
      var request = this, args = arguments;
      waiting.push(function () { send.apply(request, args); });
      return;
    }
    return send.apply(this, arguments);
  };
  function want() {
    if (wanted) return;
    wanted = true;
    waiting.splice(0).forEach(function (go) { go(); });
  }
  if (/[?&]q=/.test(location.search)) want();
  document.addEventListener("focusin", function (ev) {
    if (ev.target.matches && ev.target.matches("[data-md-component=search-query]")) want();
  }, true);
  document.addEventListener("change", function (ev) {
    if (ev.target.id === "__search" && ev.target.checked) want();
  }, true);
  document.addEventListener("DOMContentLoaded", function () {
    var dialog = document.querySelector(".md-search[role=dialog]");
    var input = document.querySelector("[data-md-component=search-query]");
    if (dialog && input && !dialog.hasAttribute("aria-label"))
      dialog.setAttribute("aria-label", input.getAttribute("aria-label"));
  });
})();
