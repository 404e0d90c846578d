// Loaded between require.js and the ipywidgets HTML manager (see nb_ipywidgets_js in _config.yml).
// embed-amd.js defines named AMD modules ("@jupyter-widgets/...") and webpack takes their URL from
// require.js to find its fonts. Without this, require.js places them under the page's own folder
// (book/@jupyter-widgets/html-manager/dist/*.woff2: 404). Point them at _static/html-manager/.
(function () {
  var src = document.currentScript.src;
  var dir = src.slice(0, src.lastIndexOf("/")) + "/html-manager";
  requirejs.config({paths: {"@jupyter-widgets": dir, "@jupyter-widgets/html-manager/dist": dir}});
})();
