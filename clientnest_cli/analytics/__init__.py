"""Pure analysis over pandas DataFrames: frames in, frames or small results out.

No database, no printing, no clock of its own: ``services/analytics.py`` loads
the frames and hands the results to the front doors. pandas and numpy are
imported inside the functions, so importing this package costs nothing.
"""
