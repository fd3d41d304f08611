"""The local situation display of ``openbmd view``: a page (``static/``: HTML, CSS, JavaScript and the
vendored d3-geo and d3-array, with their licences) and the small loopback server that feeds it
(:mod:`openbmd.web.server`). Map data is Natural Earth, shipped in :mod:`openbmd.earth`.

A leaf package: nothing else in openbmd imports it.
"""
