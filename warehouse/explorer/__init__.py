"""The explorer in the browser (`longue explore`): a thin web layer over `Warehouse`.

api.py holds the views (typed, validated calls of the Warehouse API), app.py the Starlette
application, static/ the page and the vendored Vega files.
"""
