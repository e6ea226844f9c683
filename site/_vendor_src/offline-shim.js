/* Beyond the Gradient site: glue for the locally served widget renderer (site/build_site.py).
 *
 * 1. The widget renderer (@jupyter-widgets/html-manager, loaded with require.js) finds its fonts relative to
 *    its require.js module id "@jupyter-widgets/html-manager/dist/..."; map that id to the local copy in
 *    _static/html-manager/ so nothing is looked up relative to the page.
 * 2. The renderer typesets widget labels with the MathJax 2 call MathJax.Hub.Queue; the site uses MathJax 3,
 *    so provide that call on top of MathJax.typesetPromise.
 */
(function () {
  var src = document.currentScript && document.currentScript.src;
  var staticRoot = src ? src.slice(0, src.lastIndexOf("/") + 1) : "_static/";
  var paths = { "@jupyter-widgets/html-manager/dist": staticRoot + "html-manager" };
  if (typeof window.requirejs === "function") {
    window.requirejs.config({ paths: paths });
  } else {
    window.require = { paths: paths };  // read by require.js as its configuration when it loads
  }

  function installHub() {
    var mj = window.MathJax;
    if (!mj || mj.Hub || typeof mj.typesetPromise !== "function") return;
    mj.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (cmd) {
          var el = Array.isArray(cmd) ? cmd[2] : null;
          var ready = (mj.startup && mj.startup.promise) || Promise.resolve();
          ready.then(function () { return mj.typesetPromise(el ? [el] : undefined); })
               .catch(function (e) { console.warn("MathJax typeset:", e); });
        });
      }
    };
  }
  document.addEventListener("DOMContentLoaded", installHub);
  window.addEventListener("load", installHub);
})();
