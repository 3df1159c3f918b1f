"""Format-specific readers behind ``analysis.io.read_recording`` (use that; these are internals).

- ``checks``: the shared checks every format passes before a ``Recording`` exists, ``ReadWarning``
- ``assemble``: reader columns -> SI units, kinds, user overrides -> ``checks.finish_recording``
- ``table``: the delimited-text table engine (delimiter, header, one complete numeric block)
- ``text``: the text layouts (generic, Delsys, Noraxon, NetForce, Bertec, Fz, UCI, OpenSim) and sniffing
- ``opensignals``: OpenSignals (PLUX) .txt and .h5
- ``c3d``: C3D through ezc3d, structure and parameters validated first, force platforms cross-checked
- ``binary``: R data files (.rda/.RData)
- ``_common``: units, channel kinds, text decoding, sampling rate from a time column
"""
