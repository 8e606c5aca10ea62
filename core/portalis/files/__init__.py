"""Checked file storage for uploads of every kind (content, applications, agreements …).

``sniffing`` decides what a file is from its bytes, ``store`` writes accepted files under
generated names, ``sending`` sends them back with safe headers. Plugins reach all of it
through ``portalis.api``.
"""
