"""openbmd: open, rerunnable analysis of cooperative ballistic-missile defence.

Packages, bottom to top (see docs in ARCHITECTURE): ``earth`` (where is it?),
``catalog`` (what exists?), ``flight`` (how does it fly?), ``report`` and ``cli``
(views). SI units inside; frames are written into names (``r_ecef``, ``v_eci``).
"""

__version__ = "0.1.0"
