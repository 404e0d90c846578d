"""Write each inline <script> once (a Sphinx 7.4 bug; fixed in Sphinx 8.2, which Jupyter Book 1 cannot use).

Sphinx 7.4 adds the inline scripts that extensions register after the builder starts (sphinx-thebe's
`const THEBE_JS_URL = ...`, sphinx-togglebutton's selector) to every page twice, once with the
filename None and once with '' (sphinx-doc/sphinx#13402). Declaring a `const` twice is a
SyntaxError in the browser, so every page logged an error.
"""


def _key(js):
    attributes = getattr(js, "attributes", {})
    return (getattr(js, "filename", js) or "", getattr(js, "priority", None),
            tuple(sorted((k, str(v)) for k, v in attributes.items())))


def dedupe_script_files(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        if _key(js) not in seen:
            seen.add(_key(js))
            unique.append(js)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", dedupe_script_files, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
