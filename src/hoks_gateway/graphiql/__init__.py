"""GraphiQL served from the package itself: vendored bundles (static/), our page and examples.

Nothing on the page comes from another origin, so GraphiQL works on a machine without internet.
"""
